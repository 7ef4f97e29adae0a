import Foundation
import NIOCore
import Synchronization

/// The newest message, kept in memory with its response bodies encoded once per tick, so the
/// hot read routes never touch the database; and the live feed of new messages for streams.
public final class LatestMessageCache: Sendable {
    /// What a stream subscriber receives.
    public enum Event: Sendable {
        case message(Snapshot)
        case heartbeat
    }

    public struct Snapshot: Sendable {
        public let message: Message
        /// Body of `GET /api/message`: the original `{"message": ...}` shape plus id, provider, model, created_at, source.
        public let summaryBody: ByteBuffer
        /// Body of `GET /api/messages/latest` and of stream events: the full record.
        public let recordBody: ByteBuffer
        /// The record as one Server-Sent Event, built once for every stream client.
        public let streamEvent: ByteBuffer
        public let etag: String

        /// Whether `If-None-Match` names this message. Weak comparison (RFC 9110 §13.1.2): a
        /// gzip response carries the weak form of the ETag.
        func isMatched(by ifNoneMatch: String?) -> Bool {
            ifNoneMatch?.split(separator: ",").contains { field in
                var tag = field
                while tag.first == " " || tag.first == "\t" { tag.removeFirst() }
                while tag.last == " " || tag.last == "\t" { tag.removeLast() }
                return tag == etag || tag == "W/" + etag || tag == "*"
            } ?? false
        }
    }

    /// One SSE event: `id:`, `event: message`, `data:` the record on one line.
    public static func streamEvent(id: Int64, record: ByteBuffer) -> ByteBuffer {
        var buffer = ByteBuffer(string: "id: \(id)\nevent: message\ndata: ")
        buffer.writeImmutableBuffer(record)
        buffer.writeString("\n\n")
        return buffer
    }

    private let current = Mutex<Snapshot?>(nil)
    /// The encoded history pages, which each new message may change.
    let history = HistoryPages()
    /// Each subscriber's feed and the client (address) it belongs to.
    private let subscribers = Mutex<(feeds: [UUID: AsyncStream<Event>.Continuation], clients: [UUID: String])>(([:], [:]))

    public init() {}

    public var snapshot: Snapshot? { current.withLock { $0 } }

    /// Replaces the snapshot unless `message` is older than the one held. `record` is the
    /// message's stored encoding when the caller has it (a tick), so it is not encoded again.
    /// `deletedUpTo`: the ids retention deleted when the message was stored, when the caller
    /// knows (its own insert); history pages that reached them are dropped, all pages otherwise.
    public func publish(_ message: Message, record: Data? = nil, deletedUpTo: Int64? = nil) {
        struct Summary: Encodable {
            let message: String
            let id: Int64
            let provider: String
            let model: String
            let createdAt: Date
            let source: MessageSource
            enum CodingKeys: String, CodingKey { case message, id, provider, model, createdAt = "created_at", source }
        }
        let summary = Summary(message: message.content, id: message.id, provider: message.provider, model: message.model,
                              createdAt: message.createdAt, source: message.source)
        guard let summaryBody = try? JSONCoding.encoder.encode(summary),
              let recordBody = try? record ?? JSONCoding.encoder.encode(message) else { return }
        let record = ByteBuffer(bytes: recordBody)
        let snapshot = Snapshot(message: message, summaryBody: ByteBuffer(bytes: summaryBody), recordBody: record,
                                streamEvent: Self.streamEvent(id: message.id, record: record), etag: "\"m\(message.id)\"")
        let newest = current.withLock { held in
            guard (held?.message.id ?? .min) <= message.id else { return false }
            held = snapshot
            return true
        }
        guard newest else { return }
        history.advance(deletedUpTo: deletedUpTo)
        broadcast(.message(snapshot))
    }

    /// A feed of new messages and heartbeats. A subscriber that falls `buffer` events behind is
    /// dropped (its stream ends), so a stalled client never holds anyone up. Nil when `limit`
    /// subscribers are already connected, or `perClient` of them come from `client`.
    public func subscribe(buffer: Int, limit: Int, client: String = "", perClient: Int = .max) -> (id: UUID, events: AsyncStream<Event>)? {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(buffer))
        let added = subscribers.withLock { subscribers in
            guard subscribers.feeds.count < limit, subscribers.clients.values.count(where: { $0 == client }) < perClient else { return false }
            subscribers.feeds[id] = continuation
            subscribers.clients[id] = client
            return true
        }
        guard added else { return nil }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (id, stream)
    }

    public func unsubscribe(_ id: UUID) {
        subscribers.withLock { subscribers in
            subscribers.clients[id] = nil
            return subscribers.feeds.removeValue(forKey: id)
        }?.finish()
    }

    public var subscriberCount: Int { subscribers.withLock { $0.feeds.count } }

    /// Sends a heartbeat to every subscriber.
    public func heartbeat() {
        broadcast(.heartbeat)
    }

    /// Ends every stream (shutdown).
    public func finishAll() {
        let all = subscribers.withLock { subscribers in
            defer { subscribers = ([:], [:]) }
            return Array(subscribers.feeds.values)
        }
        all.forEach { $0.finish() }
    }

    private func broadcast(_ event: Event) {
        let all = subscribers.withLock { $0.feeds }
        for (id, continuation) in all {
            if case .dropped = continuation.yield(event) { unsubscribe(id) }
        }
    }
}
