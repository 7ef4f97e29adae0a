import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import AITicker
@testable import TickerHTTP
@testable import TickerStorage

/// History pages are encoded once and served from memory; these check that a kept page is never
/// one the database would no longer give.
@Suite("History pages kept in memory")
struct HistoryPagesTests {
    static func config(retention: Int) -> String {
        pluginConfig(#"{"m": {"plugin": "mock"}}"#, ticker: #""dedupe_window": 0, "retention": \#(retention)"#)
    }

    /// The ids a page shows, and its `next_before`.
    static func ids(_ response: TestResponse) -> (ids: [Int64], next: Int64?) {
        (response.json["messages"]?.arrayValue.compactMap { $0["id"]?.doubleValue.map { Int64($0) } } ?? [],
         response.json["next_before"]?.doubleValue.map { Int64($0) })
    }

    /// What the database gives for the same page now.
    static func stored(_ store: any MessageStore, limit: Int, before: Int64?) async throws -> [Int64] {
        try await store.encodedMessages(limit: limit, before: before).map(\.id)
    }

    static func page(_ client: any TestClientProtocol, _ query: String) async throws -> [Int64] {
        let response = try await client.execute(uri: "/api/messages?\(query)", method: .get)
        #expect(response.status == .ok, "\(query)")
        return ids(response).ids
    }

    @Test func aPageIsKeptUntilRetentionDeletesPartOfIt() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config(retention: 10)) { services, _, client in
            for _ in 0..<15 { _ = await services.ticks.tick(trigger: .manual) }
            // Ids 6...15 are kept.
            #expect(try await Self.page(client, "limit=3") == [15, 14, 13])
            #expect(try await Self.page(client, "limit=3&before=9") == [8, 7, 6])
            #expect(try await Self.page(client, "limit=5&before=13") == [12, 11, 10, 9, 8])
            #expect(try await Self.page(client, "limit=3&before=999") == [15, 14, 13], "beyond the newest is the newest page")
            let pages = services.latest.history
            #expect(pages.count == 3)

            _ = await services.ticks.tick(trigger: .manual)  // 16 stored, 6 deleted
            #expect(pages.count == 2, "the page holding 6 is dropped, the others are still right")
            #expect(try await Self.page(client, "limit=3&before=9") == [8, 7])
            #expect(try await Self.page(client, "limit=5&before=13") == [12, 11, 10, 9, 8])
            #expect(try await Self.page(client, "limit=3") == [16, 15, 14])
            let last = try await client.execute(uri: "/api/messages?limit=3&before=9", method: .get)
            #expect(Self.ids(last).next == nil, "fewer than limit: no next page")
            for (limit, before) in [(3, 9), (5, 13), (3, 17)] as [(Int, Int64)] {
                #expect(try await Self.page(client, "limit=\(limit)&before=\(before)") == Self.stored(services.store, limit: limit, before: before))
            }
        }
    }

    @Test func aReloadThatShortensRetentionDropsThePagesItsNextTickDeletes() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config(retention: 20)) { services, _, client in
            for _ in 0..<25 { _ = await services.ticks.tick(trigger: .manual) }
            #expect(try await Self.page(client, "limit=5&before=18") == [17, 16, 15, 14, 13])
            #expect(try await Self.page(client, "limit=5&before=25") == [24, 23, 22, 21, 20])
            try workspace.write("plugin_config.json", Self.config(retention: 10))
            _ = try await services.reloads.reload()
            _ = await services.ticks.tick(trigger: .manual)  // 26 stored, up to 16 deleted
            #expect(try await Self.page(client, "limit=5&before=18") == [17])
            #expect(try await Self.page(client, "limit=5&before=25") == [24, 23, 22, 21, 20])
        }
    }

    /// Readers and ticks at once: every page read is a run of consecutive ids, and once the
    /// ticks stop, every page still kept is what the database gives.
    @Test func pagesReadWhileMessagesArriveAreNeverKeptStale() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config(retention: 10)) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let queries = (1...4).flatMap { limit in ["limit=\(limit)"] + (2...40).map { "limit=\(limit)&before=\($0)" } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for _ in 0..<60 { _ = await services.ticks.tick(trigger: .manual) }
                }
                for reader in 0..<3 {
                    group.addTask {
                        for round in 0..<150 {
                            let ids = try await Self.page(client, queries[(round * 7 + reader * 13) % queries.count])
                            #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 == $1 + 1 }, "\(ids)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(services.latest.history.count > 0)
            for query in queries {
                let parts = Dictionary(uniqueKeysWithValues: query.split(separator: "&").map { ($0.split(separator: "=")[0], Int64($0.split(separator: "=")[1])!) })
                let limit = Int(parts["limit"]!)
                #expect(try await Self.page(client, query) == Self.stored(services.store, limit: limit, before: parts["before"]), "\(query)")
            }
        }
    }

    @Test func aKeptPageIsCompressedOnceAndDecompressesToThePlainPage() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config(retention: 10), environment: ["COMPRESS_MIN_SIZE": "300"]) { services, _, client in
            for _ in 0..<5 { _ = await services.ticks.tick(trigger: .manual) }
            let plain = try await client.execute(uri: "/api/messages?limit=5", method: .get)
            let first = try await client.execute(uri: "/api/messages?limit=5", method: .get, headers: [.acceptEncoding: "gzip"])
            let key = HistoryPages.Key(limit: 5, before: 6)
            let kept = try #require(services.latest.history.page(key)?.gzip)
            let second = try await client.execute(uri: "/api/messages?limit=5", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(first.headers[.contentEncoding] == "gzip")
            #expect(first.headers[.vary] == "Accept-Encoding")
            #expect(first.body == kept && second.body == kept)
            var body = second.body
            #expect(try body.decompress(with: .gzip()) == plain.body)
            let head = try await client.execute(uri: "/api/messages?limit=5", method: .head, headers: [.acceptEncoding: "gzip"])
            #expect(head.headers[.contentEncoding] == nil && head.headers[.contentLength] == String(plain.body.readableBytes), "HEAD as before")
        }
    }

    @Test func theCacheKeepsItsBudgetDropsTheLeastRecentlyUsedAndIgnoresReadsAcrossAChange() {
        func page(_ lowest: Int64, bytes: Int = 900) -> HistoryPages.Page {
            HistoryPages.Page(body: ByteBuffer(repeating: 0x20, count: bytes), lowest: lowest)
        }
        // Room for four pages and a half.
        let pages = HistoryPages(budget: page(0).size * 9 / 2)
        let key = { (before: Int64) in HistoryPages.Key(limit: 10, before: before) }
        for before in Int64(1)...4 { pages.store(page(before), for: key(before * 100), readAt: pages.generation) }
        _ = pages.page(key(100))  // now the most recently used
        pages.store(page(5), for: key(500), readAt: pages.generation)  // five pages: over budget
        #expect(pages.page(key(100)) != nil)
        #expect(pages.page(key(200)) == nil && pages.page(key(300)) == nil, "least recently used first, down to 3/4")
        #expect(pages.page(key(500)) != nil)

        let generation = pages.generation
        pages.advance(deletedUpTo: 1)
        #expect(pages.page(key(100)) == nil, "its lowest id was deleted")
        #expect(pages.page(key(400)) != nil && pages.page(key(500)) != nil)
        pages.store(page(9), for: key(900), readAt: generation)
        #expect(pages.page(key(900)) == nil, "read before the change: not kept")
        pages.store(page(9, bytes: 1_800), for: key(901), readAt: pages.generation)
        #expect(pages.page(key(901)) == nil, "over a quarter of the budget: not kept")
        pages.advance(deletedUpTo: nil)
        #expect(pages.count == 0)
    }

    /// 285,000 distinct empty pages (`limit` x `before`) once took about 50 MB against an 8 MiB
    /// budget, because only body bytes were counted.
    @Test func manySmallPagesCountWhatTheEntriesHold() {
        let pages = HistoryPages(budget: 1 << 20)
        let empty = ByteBuffer(string: #"{"messages":[],"next_before":null}"#)
        for before in Int64(1)...20_000 {
            pages.store(HistoryPages.Page(body: empty, lowest: nil), for: HistoryPages.Key(limit: 20, before: before), readAt: pages.generation)
        }
        // 387 bytes were measured per kept empty page (BENCHMARKS.md).
        #expect(pages.count * 380 <= 1 << 20, "\(pages.count) pages kept")
        #expect(pages.count > 1_000, "the budget is used, not emptied")
    }

    /// Channels share one budget: each new channel's cache lowers every channel's share, down to
    /// the floor, so a crawler reading every channel's history holds no more than that.
    @Test func channelsShareOneBudget() {
        let budget = PageBudget(total: 64_000, floor: 8_000)
        let caches = (0..<4).map { _ in HistoryPages(budget: { budget.join(); return budget }()) }
        #expect(budget.share == 16_000)
        for (n, pages) in caches.enumerated() {
            for before in Int64(1)...40 {
                pages.store(HistoryPages.Page(body: ByteBuffer(repeating: 0x20, count: 600), lowest: before), for: HistoryPages.Key(limit: 10, before: before),
                            readAt: pages.generation)
            }
            #expect(pages.count > 0 && pages.count * 600 <= 16_000, "channel \(n) keeps its share: \(pages.count) pages")
        }
        for _ in 0..<12 { budget.join() }
        #expect(budget.share == 8_000, "never below the floor")
    }
}
