import HummingbirdCore
import Logging
import NIOCore
import Synchronization

/// At most `server.max_connections` open connections. At the limit the longest-idle connection
/// (one waiting for its next request, not one being answered or sending a body) is closed, so a
/// new client is served at once; with none idle the server stops accepting (new clients wait in
/// the kernel's backlog instead of the process spinning on `accept`). The moment is counted and
/// logged once until connections fall below the limit again.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let idle: IdleConnections
    let metrics: TickerMetrics
    let logger: Logger
    private var open = 0
    private var atLimit = false

    init(maximum: Int, idle: IdleConnections, metrics: TickerMetrics, logger: Logger) {
        self.maximum = maximum
        self.idle = idle
        self.metrics = metrics
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        metrics.openConnections(open)
        guard open >= maximum else { return }
        if !atLimit {
            atLimit = true
            metrics.connectionLimitReached()
            logger.warning("connection limit reached: the longest-idle connections are closed for new ones", metadata: ["max_connections": "\(maximum)"])
        }
        if idle.closeOldest() { metrics.connectionClosed(reason: "evicted") }
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

/// The connections waiting for their next request, and since when: what the connection limit
/// may close to make room.
final class IdleConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: (since: NIODeadline, channel: any Channel)]>([:])

    func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = (.now(), channel) }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Closes the connection idle the longest; false when none is idle.
    func closeOldest() -> Bool {
        let oldest = channels.withLock { channels in
            channels.min { $0.value.since < $1.value.since }.flatMap { channels.removeValue(forKey: $0.key) }
        }
        oldest?.channel.close(promise: nil)
        return oldest != nil
    }
}
