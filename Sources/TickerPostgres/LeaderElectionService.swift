import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TickerConfig
import TickerCore
import TickerStorage

/// Holds or waits for the leader lock. One dedicated connection (not the store's pool) takes
/// `pg_try_advisory_lock` every second while standing by; the leader sends a query on it every
/// second and steps down at once when that fails or does not answer in two seconds (its
/// connection lost, its backend terminated, the server stopped). The lock is the session's, so
/// PostgreSQL releases it when the leader's process dies; TCP keepalives of a few seconds end
/// the session of a host that vanished.
package struct LeaderElectionService: Service {
    let settings: PostgresSettings
    let leadership: Leadership
    let logger: Logger
    /// Called on taking the lead: the timer resumes the schedule (at once when the latest
    /// message is older than the interval).
    let onLead: @Sendable () -> Void

    package init(settings: PostgresSettings, leadership: Leadership, logger: Logger, onLead: @escaping @Sendable () -> Void) {
        self.settings = settings
        self.leadership = leadership
        self.logger = logger
        self.onLead = onLead
    }
    /// The lock's key: one leader per database.
    static let lockKey: Int64 = 0x61_69_74_69_63_6B_02
    static let period: Duration = .seconds(1)

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await PostgresConnector.withConnection(settings, purpose: "leader lock", logger: logger) { connection in try await hold(connection) }
            } catch {
                if leadership.isLeader, !Task.isShuttingDownGracefully {
                    logger.error("leader lock lost: stopped ticking", metadata: ["error": "\(PostgresConnector.reason(error))"])
                }
                leadership.set(.standby, leader: nil, unreachable: PostgresConnector.reason(error))
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.period) }
        }
        // Closing the connection released the lock; the next instance takes over within a second.
        leadership.set(.standby, leader: nil)
    }

    private func hold(_ connection: PostgresConnection) async throws {
        if settings.socketPath == nil {
            for setting in ["tcp_keepalives_idle = 5", "tcp_keepalives_interval = 1", "tcp_keepalives_count = 3"] {
                try await connection.query(PostgresQuery(unsafeSQL: "SET \(setting)"), logger: logger)
            }
        }
        let instance = leadership.instance
        // The moment the connection closes (its backend terminated, the server gone), the lock
        // is gone with it: step down then, not at the next heartbeat. A query on a closed
        // connection would wait forever, so none is sent on one.
        connection.closeFuture.whenComplete { [leadership, logger] _ in
            guard leadership.isLeader else { return }
            leadership.set(.standby, leader: nil)
            logger.error("leader lock lost: its connection closed; stopped ticking")
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard !connection.isClosed else { throw StoreError.unavailable("the leader lock's connection closed") }
            try await PostgresConnector.closing(connection, unlessDoneWithin: 2) {
                if leadership.isLeader {
                    try await connection.query("SELECT 1", logger: logger)
                    return
                }
                let locked = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
                    .decode(Bool.self).first { _ in true } ?? false
                if locked {
                    try await connection.query("""
                        INSERT INTO leader (id, instance, since) VALUES (1, \(instance), \(RFC3339.string(from: Date())))
                        ON CONFLICT (id) DO UPDATE SET instance = EXCLUDED.instance, since = EXCLUDED.since
                        """, logger: logger)
                    leadership.set(.leader, leader: instance)
                    logger.notice("leading: this instance runs the ticks", metadata: ["instance": "\(instance)"])
                    onLead()
                } else {
                    let holder = try await connection.query("SELECT instance FROM leader WHERE id = 1", logger: logger)
                        .decode(String.self).first { _ in true }
                    leadership.set(.standby, leader: holder)
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.period) }
            } catch {
                leadership.set(.standby, leader: nil)  // stopping: before the connection closes, so that is no loss
                throw error
            }
        }
    }
}
