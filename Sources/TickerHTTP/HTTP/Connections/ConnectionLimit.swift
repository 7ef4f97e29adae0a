import HummingbirdCore
import Logging
import NIOCore
import Synchronization
import TickerRuntime

/// At most `maximum` open connections: `server.max_connections`, lowered to what the descriptor
/// limit leaves (`DescriptorLimit`). At the limit a connection that is not being answered is
/// closed for each new one (`OpenConnections.evictOne`), so nobody can hold the service by
/// opening connections and sending slowly; with every connection being answered the server
/// stops accepting (new clients wait in the kernel's backlog instead of the process spinning on
/// `accept`). The moment is counted and logged once until connections fall below the limit again.
package struct ConnectionLimit: AvailableConnectionsDelegate {
    let maximum: Int
    let connections: OpenConnections
    let metrics: TickerMetrics
    let logger: Logger
    private var open = 0
    private var atLimit = false

    package init(maximum: Int, connections: OpenConnections, metrics: TickerMetrics, logger: Logger) {
        self.maximum = maximum
        self.connections = connections
        self.metrics = metrics
        self.logger = logger
    }

    package mutating func connectionOpened() {
        open += 1
        metrics.openConnections(open)
        guard open >= maximum else { return }
        if !atLimit {
            atLimit = true
            metrics.connectionLimitReached()
            logger.warning("connection limit reached: connections that are not being answered are closed for new ones, least progress first",
                           metadata: ["max_connections": "\(maximum)"])
        }
        if connections.evictOne() {
            metrics.connectionClosed(reason: "evicted")
        } else {
            connections.owe()
        }
    }

    package mutating func connectionClosed() {
        open -= 1
        metrics.openConnections(open)
        if open < maximum { connections.forgive() }
        if atLimit, open < maximum {
            atLimit = false
            logger.notice("below the connection limit again", metadata: ["open": "\(open)"])
        }
    }

    package func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}

/// One open connection as its `ConnectionGuard` reports it, for the limit to choose from.
/// Written on the connection's event loop, read by the limit on the acceptor's.
final class ConnectionProgress: Sendable {
    let channel: any Channel
    /// A whole request has arrived and its answer is not written yet: never evicted.
    let answering = Atomic<Bool>(false)
    /// Bytes of the request under way (0 while idle or part-way through a head).
    let received = Atomic<Int>(0)
    /// When the connection started waiting for its current request (uptime nanoseconds).
    let since = Atomic<Int64>(NIODeadline.now().uptimeNanoseconds.clamped)

    init(channel: any Channel) {
        self.channel = channel
    }

    /// The next request is awaited from now on.
    func waiting() {
        answering.store(false, ordering: .relaxed)
        received.store(0, ordering: .relaxed)
        since.store(NIODeadline.now().uptimeNanoseconds.clamped, ordering: .relaxed)
    }
}

extension UInt64 {
    fileprivate var clamped: Int64 { Int64(clamping: self) }
}

/// Every open connection by client: what the connection limit evicts from, and the count per
/// client that `server.max_connections_per_client` caps.
package final class OpenConnections: Sendable {

    package init() {

    }
    private struct State {
        var connections: [ObjectIdentifier: (progress: ConnectionProgress, client: String)] = [:]
        var perClient: [String: Int] = [:]
        /// Evictions the limit asked for when no connection could be chosen: a burst of
        /// connections accepted in one go is counted before any of them is set up.
        var owed = 0
    }

    private let state = Mutex(State())

    /// Adds a connection from `client`; false when that client already has `perClient` open
    /// (the connection is still counted, so that `remove` stays symmetric).
    func add(_ progress: ConnectionProgress, client: String, perClient: Int) -> Bool {
        state.withLock { state in
            state.connections[ObjectIdentifier(progress)] = (progress, client)
            state.perClient[client, default: 0] += 1
            return state.perClient[client]! <= perClient
        }
    }

    /// The connection turned out to carry `client`'s requests (a trusted proxy's forwarded
    /// client); false when that client is over `perClient` with it.
    func attribute(_ progress: ConnectionProgress, to client: String, perClient: Int) -> Bool {
        state.withLock { state in
            let id = ObjectIdentifier(progress)
            guard let old = state.connections[id]?.client else { return true }
            if old != client {
                state.connections[id]!.client = client
                Self.release(old, in: &state)
                state.perClient[client, default: 0] += 1
            }
            return state.perClient[client]! <= perClient
        }
    }

    func owe() {
        state.withLock { $0.owed += 1 }
    }

    /// Below the limit again: nothing is owed.
    func forgive() {
        state.withLock { $0.owed = 0 }
    }

    /// Called as each connection is set up: pays one owed eviction, if any and if a connection
    /// not being answered is there to close. True when one was closed.
    func payOwed() -> Bool {
        guard state.withLock({ state in
            guard state.owed > 0 else { return false }
            state.owed -= 1
            return true
        }) else { return false }
        if evictOne() { return true }
        owe()
        return false
    }

    func remove(_ progress: ConnectionProgress) {
        state.withLock { state in
            guard let client = state.connections.removeValue(forKey: ObjectIdentifier(progress))?.client else { return }
            Self.release(client, in: &state)
        }
    }

    private static func release(_ client: String, in state: inout State) {
        state.perClient[client]! -= 1
        if state.perClient[client] == 0 { state.perClient[client] = nil }
    }

    /// Closes the connection that made the least progress among those not being answered
    /// (fewest bytes of its current request; of equals, the one waiting longest): an idle
    /// keep-alive, a client part-way through a head or a body, however young. False when
    /// every connection is being answered.
    func evictOne() -> Bool {
        let chosen = state.withLock { state -> ConnectionProgress? in
            var best: (received: Int, since: Int64, progress: ConnectionProgress)?
            for (progress, _) in state.connections.values where !progress.answering.load(ordering: .relaxed) {
                let candidate = (progress.received.load(ordering: .relaxed), progress.since.load(ordering: .relaxed), progress)
                if best == nil || (candidate.0, candidate.1) < (best!.received, best!.since) { best = candidate }
            }
            guard let chosen = best?.progress else { return nil }
            // Not chosen twice while its close is under way.
            chosen.answering.store(true, ordering: .relaxed)
            return chosen
        }
        chosen?.channel.close(promise: nil)
        return chosen != nil
    }
}
