import Foundation
import Testing
@testable import AITicker

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

    @Test func theClientCapIsEnforced() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["SERVER_MAX_STREAM_CLIENTS": "1"], live: true) { services, _, client in
            let first = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            defer { first.task.cancel() }
            #expect(first.status == 200)
            let second = try await SSEClient.connect("http://127.0.0.1:\(client.port!)/api/stream")
            second.task.cancel()
            #expect(second.status == 503)
            #expect(services.latest.subscriberCount == 1)
        }
    }

    @Test func aStalledSubscriberIsDroppedWithoutHoldingUpOthers() async throws {
        let cache = LatestMessageCache()
        let stalled = try #require(cache.subscribe(buffer: 2, limit: 10))
        let reader = try #require(cache.subscribe(buffer: 100, limit: 10))
        let message = { (id: Int64) in
            Message(id: id, fields: NewMessage(content: "m\(id)", provider: "p", providerName: "p", model: "m", usage: Usage(), finishReason: nil,
                                               responseID: nil, profile: "default", latencyMs: 0, createdAt: Date(), source: .generated, attempts: []))
        }
        for id in Int64(1)...5 { cache.publish(message(id)) }
        #expect(cache.subscriberCount == 1, "the subscriber that fell behind was dropped")
        var received: [Int64] = []
        var iterator = reader.events.makeAsyncIterator()
        for _ in 0..<5 {
            if case .message(let snapshot) = await iterator.next() { received.append(snapshot.message.id) }
        }
        #expect(received == [1, 2, 3, 4, 5])
        var stalledIDs: [Int64] = []
        for await event in stalled.events { if case .message(let snapshot) = event { stalledIDs.append(snapshot.message.id) } }
        #expect(stalledIDs == [1, 2], "its stream ended after what it had buffered")
        let third = cache.subscribe(buffer: 1, limit: 2)
        #expect(third != nil)
        #expect(cache.subscribe(buffer: 1, limit: 2) == nil, "the limit counts live subscribers")
        withExtendedLifetime(third) {}
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
