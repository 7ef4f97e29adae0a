import Foundation
import NIOCore
import Synchronization
import TickerCore

/// The newest message, kept in memory with its response bodies encoded once per tick, so the
/// hot read routes never touch the database; and the live feed of new messages for streams.
public final class LatestMessageCache: MessagePublisher {
    /// What a stream subscriber receives.
    public enum Event: Sendable {
        case message(Snapshot)
        /// A message taken back: its `retract` event, sent to every client whatever it has seen.
        case retraction(ByteBuffer)
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

        /// Whether `If-None-Match` names this message.
        func isMatched(by ifNoneMatch: String?) -> Bool {
            EntityTag.matches(ifNoneMatch, etag: etag)
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
    let history: HistoryPages
    /// Every stream client's feed.
    private let subscribers = Mutex<[ObjectIdentifier: StreamFeed]>([:])
    /// The stream budget, shared by every channel's cache.
    private let slots: StreamSlots

    init(slots: StreamSlots = StreamSlots(), pages: PageBudget = PageBudget()) {
        self.slots = slots
        pages.join()
        history = HistoryPages(budget: pages)
    }

    public var snapshot: Snapshot? { current.withLock { $0 } }
    public var newestPublishedID: Int64? { snapshot?.message.id }

    /// One SSE `retract` event (no `id:`, so a client's Last-Event-ID stays): the id taken back
    /// and the message to show instead, or null when the channel has none left.
    public static func retractionEvent(id: Int64, current: Snapshot?) -> ByteBuffer {
        var buffer = ByteBuffer(string: #"event: retract\#ndata: {"id":\#(id),"current":"#)
        if let current { buffer.writeImmutableBuffer(current.recordBody) } else { buffer.writeString("null") }
        buffer.writeString("}\n\n")
        return buffer
    }

    /// Replaces the snapshot unless `message` is older than the one held. `record` is the
    /// message's stored encoding when the caller has it (a tick), so it is not encoded again.
    /// `deletedUpTo`: the ids retention deleted when the message was stored, when the caller
    /// knows (its own insert); history pages that reached them are dropped, all pages otherwise.
    public func publish(_ message: Message, record: Data? = nil, deletedUpTo: Int64? = nil) {
        guard let snapshot = Self.snapshot(of: message, record: record) else { return }
        let newest = current.withLock { held in
            guard (held?.message.id ?? .min) <= message.id else { return false }
            held = snapshot
            return true
        }
        guard newest else { return }
        history.advance(deletedUpTo: deletedUpTo)
        broadcast(.message(snapshot))
    }

    /// Takes message `id` back: if it is the one served, `current` (the newest left) is served
    /// instead; every history page is dropped, and every stream client told.
    public func retract(_ id: Int64, channel: String = defaultChannel, current replacement: Message?) {
        let snapshot = replacement.flatMap { Self.snapshot(of: $0, record: nil) }
        let served = current.withLock { held in
            if held?.message.id == id { held = snapshot }
            return held
        }
        history.advance(deletedUpTo: nil)
        broadcast(.retraction(Self.retractionEvent(id: id, current: served)))
    }

    public func newestPublishedID(channel: String) -> Int64? { newestPublishedID }

    /// What the routes and streams serve for `message`, its bodies encoded once.
    private static func snapshot(of message: Message, record: Data?) -> Snapshot? {
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
              let recordBody = try? record ?? JSONCoding.encoder.encode(message) else { return nil }
        let record = ByteBuffer(bytes: recordBody)
        return Snapshot(message: message, summaryBody: ByteBuffer(bytes: summaryBody), recordBody: record,
                        streamEvent: streamEvent(id: message.id, record: record), etag: "\"m\(message.id)\"")
    }

    /// A feed for a stream client on `channel`, let go when the channel closes. Nil when `limit`
    /// subscribers are already connected, or `perClient` of them come from `client`.
    func subscribe(channel: Channel, buffer: Int, limit: Int, client: String = "", perClient: Int = .max) -> StreamFeed? {
        guard slots.take(client: client, limit: limit, perClient: perClient) else { return nil }
        let feed = StreamFeed(channel: channel, client: client, buffer: buffer)  // its promise must be kept: made only when kept
        subscribers.withLock { $0[ObjectIdentifier(feed)] = feed }
        channel.closeFuture.whenComplete { [weak self] _ in self?.unsubscribe(feed) }
        return feed
    }

    func unsubscribe(_ feed: StreamFeed) {
        guard subscribers.withLock({ $0.removeValue(forKey: ObjectIdentifier(feed)) }) != nil else { return }
        slots.release(client: feed.client)
        feed.loop.execute { feed.end() }
    }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Sends a heartbeat to every subscriber.
    public func heartbeat() {
        broadcast(.heartbeat)
    }

    private func broadcast(_ event: Event) {
        Self.onTheirLoops(subscribers.withLock { Array($0.values) }) { $0.deliver(event) }
    }

    /// Runs `body` for every feed on its event loop, one task per loop.
    private static func onTheirLoops(_ feeds: [StreamFeed], _ body: @escaping @Sendable (StreamFeed) -> Void) {
        var byLoop: [ObjectIdentifier: (loop: EventLoop, feeds: [StreamFeed])] = [:]
        for feed in feeds { byLoop[ObjectIdentifier(feed.loop), default: (feed.loop, [])].feeds.append(feed) }
        for (loop, feeds) in byLoop.values {
            loop.execute { for feed in feeds { body(feed) } }
        }
    }
}

/// How many stream clients there are, in all and from each client address: one budget for the
/// streams of every channel (`server.max_stream_clients`, `server.max_streams_per_client`).
public final class StreamSlots: Sendable {
    private let counts = Mutex<(total: Int, perClient: [String: Int])>((0, [:]))

    public init() {}

    /// Takes a slot for `client`; false when `limit` are taken, or `perClient` by this client.
    func take(client: String, limit: Int, perClient: Int) -> Bool {
        counts.withLock { counts in
            guard counts.total < limit, counts.perClient[client, default: 0] < perClient else { return false }
            counts.total += 1
            counts.perClient[client, default: 0] += 1
            return true
        }
    }

    func release(client: String) {
        counts.withLock { counts in
            counts.total -= 1
            counts.perClient[client, default: 0] -= 1
            if counts.perClient[client] == 0 { counts.perClient[client] = nil }
        }
    }

    /// Stream clients of every channel.
    public var total: Int { counts.withLock { $0.total } }
}
