import Foundation
import Synchronization

/// The newest message, kept in memory with its response bodies encoded once per tick, so the
/// hot read routes never touch the database.
public final class LatestMessageCache: Sendable {
    public struct Snapshot: Sendable {
        public let message: Message
        /// Body of `GET /api/message`: the original `{"message": ...}` shape plus id, provider, model, created_at.
        public let summaryBody: Data
        /// Body of `GET /api/messages/latest`: the full record.
        public let recordBody: Data
        public let etag: String
    }

    private let current = Mutex<Snapshot?>(nil)

    public init() {}

    public var snapshot: Snapshot? { current.withLock { $0 } }

    /// Replaces the snapshot unless `message` is older than the one held.
    public func publish(_ message: Message) {
        struct Summary: Encodable {
            let message: String
            let id: Int64
            let provider: String
            let model: String
            let createdAt: Date
            enum CodingKeys: String, CodingKey { case message, id, provider, model, createdAt = "created_at" }
        }
        let summary = Summary(message: message.content, id: message.id, provider: message.provider, model: message.model, createdAt: message.createdAt)
        guard let summaryBody = try? JSONCoding.encoder.encode(summary),
              let recordBody = try? JSONCoding.encoder.encode(message) else { return }
        let snapshot = Snapshot(message: message, summaryBody: summaryBody, recordBody: recordBody, etag: "\"m\(message.id)\"")
        current.withLock { held in
            if (held?.message.id ?? .min) <= message.id { held = snapshot }
        }
    }
}
