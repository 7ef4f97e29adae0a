import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import AITicker
@testable import TickerHTTP

/// `GET /api/message` is answered under the router (`HotReadHandler`); a client must not be able
/// to tell.
@Suite("The latest message answered on the event loop")
struct HotReadTests {
    /// The response as text without its `Date` line (the two paths may cross a second).
    static func undated(_ text: String) -> String {
        text.split(separator: "\r\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
    }

    /// The same request to `path` (answered under the router) and with a query parameter the
    /// handler leaves to the router (which ignores it).
    static func bothWays(port: Int, path: String = "/api/message", _ request: (String) -> String) async throws -> (hot: String, router: String) {
        let hot = try await rawHTTP(port: port, request(path)).text
        let router = try await rawHTTP(port: port, request(path + (path.contains("?") ? "&" : "?") + "via=router")).text
        return (undated(hot), undated(router))
    }

    static func requestCount(_ port: Int, method: String, status: Int) async throws -> Double {
        let text = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
        let prefix = #"ai_ticker_http_requests_total{route="/api/message",method="\#(method)",status="\#(status)"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) } ?? 0
    }

    /// One service for every case, so the suite starts one more server, not eight.
    static let cases = [
        "GET %@ HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n",
        "HEAD %@ HTTP/1.1\nHost: localhost:8080\nConnection: close\n\n",
        "GET %@ HTTP/1.1\nHost: 127.0.0.1\nIf-None-Match: \"m1\"\nConnection: close\n\n",
        "GET %@ HTTP/1.1\nHost: 127.0.0.1\nIf-None-Match: \"m0\", W/\"m1\"\nConnection: close\n\n",
        "GET %@ HTTP/1.1\nHost: 127.0.0.1\nIf-None-Match: \"m0\"\nAccept-Encoding: gzip, br\nConnection: close\n\n",
        "GET %@ HTTP/1.0\n\n",
        "GET %@ HTTP/1.1\nHost: evil.example\nConnection: close\n\n",
        // Pipelined: a route the router answers between two hot reads.
        "GET %@ HTTP/1.1\nHost: 127.0.0.1\n\nGET /api/messages/1 HTTP/1.1\nHost: 127.0.0.1\n\nHEAD %@ HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n",
    ]

    @Test func anAnswerIsTheRoutersByteForByte() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            for template in Self.cases {
                let (hot, router) = try await Self.bothWays(port: client.port!) { template.replacingOccurrences(of: "%@", with: $0) }
                #expect(hot.hasPrefix("HTTP/1."), "\(template)")
                #expect(hot == router, "\(template)")
            }
        }
    }

    /// Kept history pages, plain and compressed, GET and HEAD.
    @Test func aKeptHistoryPageIsTheRoutersByteForByte() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"m": {"plugin": "mock"}}"#)
        try await workspace.withApp(config: config, environment: ["COMPRESS_MIN_SIZE": "300"], live: true) { services, _, client in
            for _ in 0..<5 { _ = await services.ticks.tick(trigger: .manual) }
            let port = client.port!
            let pages = ["/api/messages", "/api/messages?limit=2", "/api/messages?before=4&limit=3", "/api/messages?limit=1&before=1"]
            for path in pages {
                _ = try await rawHTTP(port: port, "GET \(path)&via=router HTTP/1.1\nHost: 127.0.0.1\nAccept-Encoding: gzip\nConnection: close\n\n".replacingOccurrences(of: "s&via", with: "s?via"))
            }
            #expect(services.latest.history.count == pages.count, "the router kept each page")
            for path in pages {
                for extra in ["", "Accept-Encoding: gzip\n", "Accept-Encoding: gzip;q=0\n"] {
                    for method in ["GET", "HEAD"] {
                        let (hot, router) = try await Self.bothWays(port: port, path: path) { "\(method) \($0) HTTP/1.1\nHost: 127.0.0.1\n\(extra)Connection: close\n\n" }
                        #expect(hot.hasPrefix("HTTP/1.1 200"), "\(method) \(path) \(extra)")
                        #expect(hot == router, "\(method) \(path) \(extra)")
                    }
                }
            }
            let zipped = try await rawHTTP(port: port, "GET /api/messages HTTP/1.1\nHost: 127.0.0.1\nAccept-Encoding: gzip\nConnection: close\n\n").text
            #expect(zipped.contains("Content-Encoding: gzip"))
            for bad in ["/api/messages?limit=0", "/api/messages?limit=201", "/api/messages?before=0", "/api/messages?limit=2&limit=3"] {
                let (hot, router) = try await Self.bothWays(port: port, path: bad) { "GET \($0) HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n" }
                #expect(hot == router, "\(bad)")
            }
            #expect(HotReadHandler.pageQuery("/messages?limit=7&before=9")! == (7, 9))
            #expect(HotReadHandler.pageQuery("/messages?limit=0") == nil && HotReadHandler.pageQuery("/messagesx") == nil)
            #expect(HotReadHandler.pageQuery("/messages?limit=+5") == nil && HotReadHandler.pageQuery("/messages?before=1&x=1") == nil)
        }
    }

    @Test func aClientThatWouldGetGzipIsAnsweredByTheRouterAndEveryAnswerIsCounted() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["COMPRESS_MIN_SIZE": "10"], live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let port = client.port!
            let (hot, router) = try await Self.bothWays(port: port) { "GET \($0) HTTP/1.1\nHost: 127.0.0.1\nAccept-Encoding: gzip\nConnection: close\n\n" }
            #expect(hot.contains("Content-Encoding: gzip") && hot.contains("ETag: W/\"m1\""))
            #expect(hot == router)
            let before = (try await Self.requestCount(port, method: "GET", status: 200), try await Self.requestCount(port, method: "HEAD", status: 200),
                          try await Self.requestCount(port, method: "GET", status: 304))
            for _ in 0..<3 { _ = try await rawHTTP(port: port, "GET /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n") }
            _ = try await rawHTTP(port: port, "HEAD /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            _ = try await rawHTTP(port: port, "GET /api/message HTTP/1.1\nHost: 127.0.0.1\nIf-None-Match: \"m1\"\nConnection: close\n\n")
            #expect(try await Self.requestCount(port, method: "GET", status: 200) == before.0 + 3)
            #expect(try await Self.requestCount(port, method: "HEAD", status: 200) == before.1 + 1)
            #expect(try await Self.requestCount(port, method: "GET", status: 304) == before.2 + 1)
        }
    }

    /// The handler alone: it answers the route itself, passes everything else on, and while an
    /// answer from the router is outstanding it passes the route on too.
    @Test func theHandlerAnswersItselfOnlyWhileNothingIsOutstanding() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services()
        _ = await services.ticks.tick(trigger: .manual)
        let reads = HotReads(caches: services.caches, configuration: services.configuration, metrics: services.metrics,
                             compression: services.configuration.value.compression, serverName: "ai-ticker")
        let channel = EmbeddedChannel(handler: HotReadHandler(reads: reads))
        func request(_ uri: String) throws {
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
            head.headers.add(name: "Host", value: "127.0.0.1")
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        try request("/api/message")
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil, "not passed on")
        guard case .head(let answer)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { Issue.record("no answer"); return }
        #expect(answer.status == .ok && answer.headers["ETag"] == ["\"m1\""])
        guard case .body(.byteBuffer(let body))? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { Issue.record("no body"); return }
        #expect(body == services.latest.snapshot?.summaryBody)
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == .end(nil))

        try request("/api/health")
        try request("/api/message")
        var passed: [String] = []
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            if case .head(let head) = part { passed.append(head.uri) }
        }
        #expect(passed == ["/api/health", "/api/message"], "behind an outstanding answer, in order")
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))  // the router's answers end
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        while try channel.readOutbound(as: HTTPServerResponsePart.self) != nil {}
        try request("/api/message")
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil, "answered here again")
        #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) != nil)
        _ = try channel.finish()
        await services.shutdown()
    }

    /// A channel's latest message and kept pages: answered by the handler itself, byte for byte
    /// as the router answers them, and counted under the channel route.
    @Test func aChannelsAnswerIsTheRoutersByteForByte() async throws {
        let workspace = try TestWorkspace()
        let config = #"{"plugins": {"m": {"plugin": "mock"}}, "channels": {"lobby": {}}}"#
        try await workspace.withApp(config: config, live: true) { services, _, client in
            _ = await services.ticks.tick(channel: "lobby", trigger: .manual)
            let port = client.port!
            for template in Self.cases {
                let (hot, router) = try await Self.bothWays(port: port, path: "/api/channels/lobby/message") { template.replacingOccurrences(of: "%@", with: $0) }
                #expect(hot.hasPrefix("HTTP/1."), "\(template)")
                #expect(hot == router, "\(template)")
            }
            for _ in 0..<4 { _ = await services.ticks.tick(channel: "lobby", trigger: .manual) }
            for path in ["/api/channels/lobby/messages?limit=2", "/api/channels/lobby/messages?before=4&limit=3"] {
                _ = try await rawHTTP(port: port, "GET \(path)&via=router HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
                let (hot, router) = try await Self.bothWays(port: port, path: path) { "GET \($0) HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n" }
                #expect(hot.hasPrefix("HTTP/1.1 200") && hot == router, "\(path)")
            }
            #expect(services.caches.cache("lobby").history.count == 2)
            #expect(services.latest.snapshot == nil, "nothing of the lobby's on today's routes")
            let metrics = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
            #expect(metrics.contains(#"route="/api/channels/{name}/message",method="GET",status="200""#))
        }
        // The handler alone answers the channel's route, and leaves an unknown channel to the router.
        let (services, _) = try await workspace.services(config: config)
        _ = await services.ticks.tick(channel: "lobby", trigger: .manual)
        let reads = HotReads(caches: services.caches, configuration: services.configuration, metrics: services.metrics,
                             compression: services.configuration.value.compression, serverName: "ai-ticker")
        let channel = EmbeddedChannel(handler: HotReadHandler(reads: reads))
        for uri in ["/api/channels/lobby/message", "/api/channels/nobody/message"] {
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
            head.headers.add(name: "Host", value: "127.0.0.1")
            try channel.writeInbound(HTTPServerRequestPart.head(head))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        guard case .head(let answer)? = try channel.readOutbound(as: HTTPServerResponsePart.self) else { Issue.record("no answer"); return }
        #expect(answer.status == .ok && answer.headers["ETag"] == ["\"m\(services.caches.cache("lobby").snapshot?.message.id ?? 0)\""])
        guard case .head(let passed)? = try channel.readInbound(as: HTTPServerRequestPart.self) else { Issue.record("not passed on"); return }
        #expect(passed.uri == "/api/channels/nobody/message")
        _ = try? channel.finish()
        await services.shutdown()
    }

    @Test func datesAreIMFFixdate() {
        #expect(HotReadHandler.httpDate(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HotReadHandler.httpDate(1_796_215_507) == "Wed, 02 Dec 2026 12:45:07 GMT")
    }
}
