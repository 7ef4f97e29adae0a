import HummingbirdCore
import Logging

/// At most `server.max_connections` open connections: at the limit the server stops accepting
/// (new clients wait in the kernel's backlog instead of the process spinning on `accept`), and
/// the moment is counted and logged once until connections fall below the limit again.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let metrics: TickerMetrics
    let logger: Logger
    private var open = 0
    private var atLimit = false

    init(maximum: Int, metrics: TickerMetrics, logger: Logger) {
        self.maximum = maximum
        self.metrics = metrics
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        metrics.openConnections(open)
        if open >= maximum, !atLimit {
            atLimit = true
            metrics.connectionLimitReached()
            logger.warning("connection limit reached: new connections wait until one closes", metadata: ["max_connections": "\(maximum)"])
        }
    }

    mutating func connectionClosed() {
        open -= 1
        metrics.openConnections(open)
        if atLimit, open < maximum {
            atLimit = false
            logger.notice("below the connection limit again", metadata: ["open": "\(open)"])
        }
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}
