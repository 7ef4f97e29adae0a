import Foundation
import Testing
@testable import AITicker

/// What a careless or hostile client sends must neither hold resources nor flood the error log.
@Suite("HTTP hygiene")
struct HTTPHygieneTests {
    @Test func headAnswersWhereverGetDoesWithoutABodyOrAStreamSlot() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, source, client in
            _ = await services.ticks.tick(trigger: .manual)
            let port = client.port!
            let message = try await rawHTTP(port: port, "HEAD /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(message.status == 200)
            #expect(message.text.lowercased().contains("etag:"))
            #expect(message.text.hasSuffix("\r\n\r\n"), "no body")
            let stream = try await rawHTTP(port: port, "HEAD /api/stream HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(stream.status == 200)
            #expect(stream.text.contains("text/event-stream"))
            #expect(services.latest.subscriberCount == 0, "HEAD holds no stream slot")
            let page = try await rawHTTP(port: port, "HEAD / HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(page.status == 200 && page.text.hasSuffix("\r\n\r\n"))
        }
    }

    @Test func aPipelinedSecondRequestIsNotCutOffByTheIdleTimer() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"slow": {"plugin": "mock", "config": {"extra_params": {"latency_ms": 1500, "content": "slow {uuid}"}}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken, "SERVER_IDLE_TIMEOUT_SECONDS": "1"], live: true) { _, _, client in
            let connection = try RawConnection(port: client.port!)
            connection.send("""
                GET /api/health HTTP/1.1
                Host: 127.0.0.1

                POST /api/messages/generate HTTP/1.1
                Host: 127.0.0.1
                Authorization: Bearer \(adminToken)
                Content-Length: 0
                Connection: close


                """)
            let (text, _) = try await connection.readUntilClosed(seconds: 20)
            #expect(text.contains("HTTP/1.1 200") && text.contains("HTTP/1.1 201"), "both answered: \(text.prefix(300))")
        }
    }

    /// The built binary, so the test shares no event loop with the rest of the suite. The server
    /// closes with the client's bytes unread, so the kernel may reset before the 400 is read:
    /// what must hold is that the connection does not linger.
    @Test func oversizedHeadersAreRefusedAndTheConnectionClosed() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let connection = try RawConnection(port: try await service.port())
        connection.send("GET /api/health HTTP/1.1\nHost: 127.0.0.1\nX-Padding: \(String(repeating: "a", count: 200_000))\n\n")
        let (text, closed) = try await connection.readUntilClosed(seconds: 5)
        #expect(closed, "no half-closed connection left behind")
        #expect(text.isEmpty || text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(200))")
        #expect(service.process.isRunning)
    }

    @Test func aMalformedChunkedBodyIsABadRequestNotAnInternalError() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, client in
            let response = try await rawHTTP(port: client.port!, """
                PATCH /api/config HTTP/1.1
                Host: 127.0.0.1
                Authorization: Bearer \(adminToken)
                Content-Type: application/json
                Transfer-Encoding: chunked

                zz
                abc

                """)
            #expect(response.status == 400, "\(response.text)")
            #expect(response.text.contains(#""code":"bad_request""#))
        }
    }

    @Test func aStreamClientThatResetsFreesItsSlotAtOnceAndOneClientCannotTakeThemAll() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken, "SERVER_MAX_STREAMS_PER_CLIENT": "2"], live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let port = client.port!
            let first = try RawConnection(port: port), second = try RawConnection(port: port)
            for stream in [first, second] { stream.send("GET /api/stream HTTP/1.1\nHost: 127.0.0.1\n\n") }
            #expect(await eventually { services.latest.subscriberCount == 2 })
            let third = try await rawHTTP(port: port, "GET /api/stream HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(third.status == 503 && third.text.contains("too_many_streams"), "2 per client")
            first.reset()
            #expect(await eventually { services.latest.subscriberCount == 1 }, "released without waiting for the 15 s heartbeat")
            withExtendedLifetime(second) {}
        }
    }
}
