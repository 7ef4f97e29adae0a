import Foundation
import Synchronization
import TickerCore

/// Every channel's `LatestMessageCache`: a message published goes to its channel's, and a
/// channel's is made when it first has a message or a reader. The default channel's is made at
/// once and kept apart, so its routes (today's) never look one up.
public final class ChannelCaches: MessagePublisher {
    /// One stream budget and one history page budget for every channel.
    private let slots = StreamSlots()
    private let pages = PageBudget()
    /// The channel `default`'s cache, which today's routes serve.
    public let defaultCache: LatestMessageCache
    private let others = Mutex<[String: LatestMessageCache]>([:])

    public init() {
        defaultCache = LatestMessageCache(slots: slots, pages: pages)
    }

    /// The channel's cache, made empty when it has none yet.
    public func cache(_ channel: String) -> LatestMessageCache {
        if channel == defaultChannel { return defaultCache }
        return others.withLock { caches in
            if let cache = caches[channel] { return cache }
            let cache = LatestMessageCache(slots: slots, pages: pages)
            caches[channel] = cache
            return cache
        }
    }

    /// The channel's cache if it has one (it had a message or a reader since the start).
    public func existing(_ channel: String) -> LatestMessageCache? {
        channel == defaultChannel ? defaultCache : others.withLock { $0[channel] }
    }

    /// The default channel's cache first, then the others by name.
    public var all: [(channel: String, cache: LatestMessageCache)] {
        [(defaultChannel, defaultCache)] + others.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Stream clients of every channel.
    public var subscriberCount: Int { slots.total }

    /// The newest message published to any channel.
    public var newestPublishedID: Int64? { all.compactMap { $0.cache.newestPublishedID }.max() }

    public func publish(_ message: Message, record: Data?, deletedUpTo: Int64?) {
        cache(message.channel).publish(message, record: record, deletedUpTo: deletedUpTo)
    }

    public func retract(_ id: Int64, channel: String, current: Message?) {
        retractionCount.add(1, ordering: .relaxed)
        existing(channel)?.retract(id, current: current)
    }

    /// Retractions since the start, in every channel.
    public var retractions: Int64 { retractionCount.load(ordering: .relaxed) }
    private let retractionCount = Atomic<Int64>(0)

    public func newestPublishedID(channel: String) -> Int64? { existing(channel)?.newestPublishedID }
}
