import Foundation
import Hummingbird
import Synchronization
import TickerConfig
import TickerCore
import TickerRuntime
import TickerStorage

/// Which channel a request is for, and its cache: the default channel for today's routes, the
/// `{name}` of `/api/channels/{name}/…` for the others. A channel there is: one configured, or one
/// removed whose messages are kept (its routes go on answering them).
package struct ChannelResolver: Sendable {
    let caches: ChannelCaches
    let store: any MessageStore
    let configuration: LiveConfiguration

    package init(caches: ChannelCaches, store: any MessageStore, configuration: LiveConfiguration) {
        self.caches = caches
        self.store = store
        self.configuration = configuration
    }

    /// The request's channel; an unknown one is a 404 naming the channels there are.
    func channel(_ context: AppRequestContext) async throws -> (name: String, cache: LatestMessageCache) {
        guard let name = context.parameters.get("name") else { return (defaultChannel, caches.defaultCache) }
        if let cache = try await cache(named: name) { return (name, cache) }
        let known = Set(configuration.value.channels.map(\.name)).union(caches.all.map(\.channel)).sorted()
        throw APIError(status: .notFound, code: .unknownChannel,
                       message: "no channel \"\(MessageText.visible(String(name.prefix(64))))\"; channels: \(known.joined(separator: ", "))",
                       details: ["channels": .array(known.map(JSONValue.string))])
    }
}

extension ChannelResolver {
    /// The cache of a channel there is, nil for any other name.
    func cache(named name: String) async throws -> LatestMessageCache? {
        if let cache = caches.existing(name) { return cache }
        if configuration.value.channels.contains(where: { $0.name == name }) { return caches.cache(name) }
        // Removed, with its messages kept: served from then on like the others.
        guard ChannelConfiguration.nameProblem(name) == nil, let newest = try await store.latest(channel: name) else { return nil }
        caches.publish(newest, record: nil, deletedUpTo: nil)
        return caches.cache(name)
    }
}

/// `GET /api/channels`: every channel with its schedule, next tick, latest message and count.
package struct ChannelsController {
    let resolver: ChannelResolver
    let scheduler: ChannelScheduler
    private let counts = ChannelCounts()

    package init(resolver: ChannelResolver, scheduler: ChannelScheduler) {
        self.resolver = resolver
        self.scheduler = scheduler
    }

    package func register(on table: RouteTable) {
        table.add(.get, "/api/channels") { _, _ in try await list() }
    }

    private func list() async throws -> Response {
        let configured = resolver.configuration.value.channels
        // Nil while the database cannot be read: the rest comes from memory, and the list with it.
        let counts = try? await counts.current(caches: resolver.caches, store: resolver.store)
        let now = Date()
        var channels: [JSONValue] = configured.map { channel in
            var entry = Self.entry(channel.name, status: "configured", cache: resolver.caches.cache(channel.name), count: counts.map { $0[channel.name] ?? 0 })
            entry["profile"] = .string(channel.profile)
            entry["providers"] = channel.providers.map { .array($0.map(JSONValue.string)) } ?? .null
            entry["schedule"] = channel.schedule.written
            entry["active_now"] = .bool(channel.schedule.isActive(at: now))
            entry["next_tick_at"] = scheduler.nextTick(channel.name).map { .string(RFC3339.string(from: $0)) } ?? .null
            return .object(entry)
        }
        let removed = Set(counts.map { Array($0.keys) } ?? resolver.caches.all.map(\.channel)).subtracting(configured.map(\.name))
        for name in removed.sorted() {
            guard let cache = try? await resolver.cache(named: name) else { continue }
            channels.append(.object(Self.entry(name, status: "removed", cache: cache, count: counts.map { $0[name] ?? 0 })))
        }
        return Response.json(["channels": JSONValue.array(channels)])
    }

    private static func entry(_ name: String, status: String, cache: LatestMessageCache, count: Int?) -> [String: JSONValue] {
        var entry: [String: JSONValue] = ["name": .string(name), "status": .string(status), "active_now": .bool(false), "next_tick_at": .null,
                                          "messages": count.map { .number(Double($0)) } ?? .null]
        // Absent while the channel has none.
        entry["message"] = cache.snapshot.flatMap { try? JSONCoding.decoder.decode(JSONValue.self, from: Data($0.recordBody.readableBytesView)) }
        return entry
    }
}

/// Messages per channel, counted again only after a channel's newest message changed (pruning
/// and imports come with a new message) or one was retracted: counting reads every row of the channel index, 86 ms
/// at a million messages on SQLite, too much for each request to a public route.
private final class ChannelCounts: Sendable {
    private let memo = Mutex<(key: [Int64?], counts: [String: Int])?>(nil)

    func current(caches: ChannelCaches, store: any MessageStore) async throws -> [String: Int] {
        // Taken before counting: a message stored meanwhile makes the next request count again.
        let key = caches.all.map { $0.cache.newestPublishedID } + [caches.retractions]
        if let memo = memo.withLock({ $0 }), memo.key == key { return memo.counts }
        let counts = try await store.channelCounts()
        memo.withLock { $0 = (key, counts) }
        return counts
    }
}
