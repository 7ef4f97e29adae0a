import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerHTTP

@Suite("Live stream", .serialized)
struct StreamTests {
    @Test func theLatestComesOnConnectThenNewMessagesInOrder() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let (status, events, task) = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            defer { task.cancel() }
            #expect(status == 200)
            var iterator = events.makeAsyncIterator()
            let hint = try await iterator.next()
            #expect(hint?.retry == 5000)
            let first = try await iterator.nextMessage()
            #expect(first?.id == "1")
            #expect(first?.data?.contains(#""attempts""#) == true)
            for _ in 0..<3 { _ = await services.ticks.tick(trigger: .manual) }
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await iterator.nextMessage()?.id ?? "?") }
            #expect(ids == ["2", "3", "4"])
        }
    }

    @Test func lastEventIDResumesWithWhatWasMissed() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(live: true) { services, _, client in
            for _ in 0..<5 { _ = await services.ticks.tick(trigger: .manual) }
            let (_, events, task) = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream", lastEventID: "2")
            defer { task.cancel() }
            var iterator = events.makeAsyncIterator()
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await iterator.nextMessage()?.id ?? "?") }
            #expect(ids == ["3", "4", "5"])
            _ = await services.ticks.tick(trigger: .manual)
            #expect(try await iterator.nextMessage()?.id == "6")
            let bad = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream", lastEventID: "yesterday")
            bad.task.cancel()
            #expect(bad.status == 400)
        }
    }

    @Test func heartbeatsKeepTheStreamAlive() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["SERVER_STREAM_HEARTBEAT_SECONDS": "1"], live: true) { _, _, client in
            let (_, events, task) = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            defer { task.cancel() }
            var iterator = events.makeAsyncIterator()
            var heartbeat: SSEEvent?
            while let event = try await iterator.next() {
                if event.comment == "heartbeat" { heartbeat = event; break }
            }
            #expect(heartbeat != nil)
        }
    }

    /// One cap for the streams of every channel.
    @Test func theClientCapIsEnforced() async throws {
        let workspace = try TestWorkspace()
        let config = #"{"channels": {"lobby": {}}}"#
        try await workspace.withApp(config: config, environment: ["SERVER_MAX_STREAM_CLIENTS": "1"], live: true) { services, _, client in
            let first = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            defer { first.task.cancel() }
            #expect(first.status == 200)
            let second = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            second.task.cancel()
            #expect(second.status == 503)
            let other = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/channels/lobby/stream")
            other.task.cancel()
            #expect(other.status == 503, "another channel's stream counts against the same cap")
            #expect(services.latest.subscriberCount == 1 && services.caches.subscriberCount == 1)
        }
    }

    /// Two connections as the stream handler hands them over: one stops taking data (its
    /// connection is not writable), the other reads on. The stalled one is let go after
    /// `buffer` events, its slot freed; the other gets every message, each once, in order.
    @Test func aStalledSubscriberIsLetGoWithoutHoldingUpOthers() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services()
        let reads = HotReads(caches: services.caches, configuration: services.configuration, metrics: services.metrics,
                             compression: services.configuration.value.compression, serverName: "ai-ticker")
        let cache = LatestMessageCache()
        let message = { (id: Int64) in
            Message(id: id, fields: NewMessage(content: "m\(id)", provider: "p", providerName: "p", model: "m", usage: Usage(), finishReason: nil,
                                               responseID: nil, profile: "default", latencyMs: 0, createdAt: Date(), source: .generated, attempts: []))
        }
        cache.publish(message(1))
        let stalled = EmbeddedChannel(handler: HotReadHandler(reads: reads)), reader = EmbeddedChannel(handler: HotReadHandler(reads: reads))
        for channel in [stalled, reader] { try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get() }
        let feeds = try [stalled, reader].map { try #require(cache.subscribe(channel: $0, buffer: 2, limit: 10)) }
        #expect(cache.subscribe(channel: EmbeddedChannel(), buffer: 2, limit: 2) == nil, "the limit counts live subscribers")
        final class Ended: Sendable { let value = Atomic<Bool>(false) }
        let ends = [Ended(), Ended()]
        var ended: [Bool] { ends.map { $0.value.load(ordering: .relaxed) } }
        feeds[0].follow(writing: [ByteBuffer(string: "retry: 5000\n\n")], sent: 0, latest: cache).whenSuccess { ends[0].value.store(true, ordering: .relaxed) }
        feeds[1].follow(writing: [], sent: 1, latest: cache).whenSuccess { ends[1].value.store(true, ordering: .relaxed) }
        func ids(_ channel: EmbeddedChannel) throws -> [String] {
            stalled.embeddedEventLoop.run()
            reader.embeddedEventLoop.run()
            var ids: [String] = []
            while case .body(.byteBuffer(let frame))? = try channel.readOutbound(as: HTTPServerResponsePart.self) {
                let text = String(buffer: frame)
                ids.append(text.hasPrefix("id: ") ? String(text.dropFirst(4).prefix { $0 != "\n" }) : text)
            }
            return ids
        }
        #expect(try ids(stalled) == ["retry: 5000\n\n", "1"], "what it was handed, then the message it had not seen")
        #expect(try ids(reader) == [], "it had seen message 1")
        stalled.isWritable = false
        for id in Int64(2)...6 { cache.publish(message(id)) }
        cache.heartbeat()
        #expect(try ids(reader) == ["2", "3", "4", "5", "6", ": heartbeat\n\n"])
        #expect(try ids(stalled) == ["2", "3"], "two events behind, then let go")
        #expect(!stalled.isActive && cache.subscriberCount == 1, "its connection closed and its slot freed")
        #expect(ended == [true, false], "the handler may finish its body")
        reader.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())  // the server stops
        _ = try ids(reader)
        #expect(ended == [true, true], "a stopping server ends the stream at once")
        _ = try reader.finish()
        #expect(cache.subscriberCount == 0)
        await services.shutdown()
    }

    @Test func metricsHaveTheDocumentedNames() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            _ = try await client.execute(uri: "/api/health", method: .get)
            let text = try await client.execute(uri: "/metrics", method: .get).text
            for name in ["ai_ticker_ticks_total", "ai_ticker_generations_total", "ai_ticker_generation_duration_seconds",
                         "ai_ticker_provider_healthy", "ai_ticker_provider_circuit_open", "ai_ticker_http_requests_total",
                         "ai_ticker_last_success_timestamp_seconds", "ai_ticker_stream_clients"] {
                #expect(text.contains("\n\(name)") || text.hasPrefix(name) || text.contains("# TYPE \(name) "), "\(name)")
            }
        }
    }
}
