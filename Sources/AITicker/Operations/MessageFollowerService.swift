import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps this instance's latest message (`/api/message`, the stream) current with what any
/// instance stores in the shared PostgreSQL database. A connection of its own LISTENs for the
/// ids the writer announces inside its transaction (so only committed messages are announced);
/// after every (re)connect it reads the newest message once, so nothing stored while it was
/// away is missed.
struct MessageFollowerService: Service {
    let settings: PostgresSettings
    let store: any MessageStore
    let latest: LatestMessageCache
    let logger: Logger

    /// Whether the last connection was listening, so a lost one is logged once and its return too.
    private let listening = SharedFlag()

    func run() async throws {
        listening.set(true)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await follow() }
            } catch {
                if listening.isAlive, !Task.isShuttingDownGracefully {
                    logger.warning("not following stored messages: retrying every second", metadata: ["error": "\(PostgresMessageStore.reason(error))"])
                }
                listening.set(false)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
    }

    /// Listens until the connection ends; every announced id newer than the one served is read.
    private func follow() async throws {
        try await PostgresMessageStore.withConnection(settings, logger: logger) { connection in
            try await connection.listen(on: PostgresMessageStore.messagesChannel) { notifications in
                try await catchUp()
                if !listening.isAlive { logger.notice("following stored messages again") }
                listening.set(true)
                for try await notification in notifications where Int64(notification.payload) ?? .max > newest {
                    try await catchUp()
                }
            }
        }
    }

    private var newest: Int64 { latest.snapshot?.message.id ?? 0 }

    /// Publishes the newest stored message when it is newer than the one this instance serves.
    private func catchUp() async throws {
        guard let page = try await store.encodedMessages(limit: 1, before: nil).first, page.id > newest else { return }
        latest.publish(try await store.message(id: page.id), record: page.json)
    }
}
