import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import TickerConfig
import TickerCore
import TickerStorage

/// Keeps this instance current with what the other instances on the shared PostgreSQL
/// database do. A connection of its own LISTENs for two things:
/// - the ids of stored messages, which the writer announces inside its transaction (so only
///   committed ones): each goes to its channel's latest message and stream;
/// - configuration changes (runtime overrides set or removed, a reload) announced by the
///   instance that made them: this one reloads too.
/// After every (re)connect it reads each channel's newest message once and asks for the stored overrides
/// to be compared with the running ones, so nothing done while it was away is missed. A query
/// every few seconds finds a connection that died without closing (a server that vanished).
package struct FollowerService: Service {
    let settings: PostgresSettings
    let store: any MessageStore
    /// Where the newest message goes to be served (the HTTP layer's cache).
    let publisher: any MessagePublisher
    /// This instance's name: its own announcements are not followed.
    let instance: String
    let logger: Logger
    let onChange: @Sendable (ClusterChange) async -> Void

    package init(settings: PostgresSettings, store: any MessageStore, publisher: any MessagePublisher,
                 instance: String, logger: Logger, onChange: @escaping @Sendable (ClusterChange) async -> Void) {
        self.settings = settings
        self.store = store
        self.publisher = publisher
        self.instance = instance
        self.logger = logger
        self.onChange = onChange
    }
    static let heartbeat: Duration = .seconds(5)

    /// Whether the last connection was listening, so a lost one is logged once and its return too.
    private let listening = SharedFlag()

    package func run() async throws {
        listening.set(true)
        var connected = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let again = connected
            do {
                try await cancelWhenGracefulShutdown { try await follow(again: again) }
            } catch {
                if listening.isAlive, !Task.isShuttingDownGracefully {
                    logger.warning("not following the other instances: retrying every second", metadata: ["error": "\(PostgresConnector.reason(error))"])
                }
                listening.set(false)
            }
            connected = true
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// Listens until the connection ends.
    private func follow(again: Bool) async throws {
        try await PostgresConnector.withConnection(settings, purpose: "follower", logger: logger) { connection in
            try await connection.listen(on: PostgresMessageStore.messagesChannel) { messages in
                try await connection.listen(on: PostgresMessageStore.configurationChannel) { changes in
                    try await catchUp()
                    if again { await onChange(.reconnected) }
                    if !listening.isAlive { logger.notice("following the other instances again") }
                    listening.set(true)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notification in messages {
                                if let id = Int64(notification.payload) {
                                    publisher.publish(try await store.message(id: id), record: nil, deletedUpTo: nil)
                                } else if case let words = notification.payload.split(separator: " "), words.count == 3, words[0] == "retract",
                                          let id = Int64(words[1]) {
                                    let channel = String(words[2])
                                    publisher.retract(id, channel: channel, current: try await store.latest(channel: channel))
                                }
                            }
                        }
                        group.addTask {
                            for try await notification in changes where notification.payload != instance {
                                await onChange(.announced(by: notification.payload))
                            }
                        }
                        group.addTask {
                            while true {
                                try await Task.sleep(for: Self.heartbeat)
                                _ = try await PostgresConnector.closing(connection, unlessDoneWithin: 2) {
                                    try await connection.query("SELECT 1", logger: logger)
                                }
                            }
                        }
                        // Any of them ending means the connection did.
                        try await group.next()
                        group.cancelAll()
                        throw StoreError.unavailable("the follower's connection closed")
                    }
                }
            }
        }
    }

    /// Publishes each channel's newest stored message; one served here that is newer was
    /// retracted while this instance was not listening, and is taken back.
    private func catchUp() async throws {
        for channel in try await store.channelCounts().keys {
            guard let page = try await store.encodedMessages(channel: channel, limit: 1, before: nil).first else { continue }
            let newest = try await store.message(id: page.id)
            if let served = publisher.newestPublishedID(channel: channel), served > newest.id {
                publisher.retract(served, channel: channel, current: newest)
            }
            publisher.publish(newest, record: page.json, deletedUpTo: nil)
        }
    }
}
