import Foundation
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerHTTP

/// `server.cors_origins`: a listed site's page may read the public routes and streams (and
/// `/embed.js` relies on it); no admin route ever answers another site.
@Suite("Cross-origin reads for listed sites")
struct CrossOriginTests {
    static let site = "http://news.example:8081"
    static let config = #"{"plugins": {"m": {"plugin": "mock"}}, "ticker": {"dedupe_window": 0}, "server": {"cors_origins": ["\#(site)"]},"#
        + #""channels": {"lobby": {}}}"#

    static func get(_ port: Int, _ path: String, origin: String?, method: String = "GET", extra: String = "") async throws -> String {
        try await rawHTTP(port: port, "\(method) \(path) HTTP/1.1\nHost: 127.0.0.1\n\(origin.map { "Origin: \($0)\n" } ?? "")\(extra)Connection: close\n\n").text
    }

    @Test func publicReadsAnswerAListedOriginAndNoOther() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, live: true) { services, _, client in
            let port = client.port!
            // Before the first message: the 404 is readable too ("no message yet").
            let empty = try await Self.get(port, "/api/message", origin: Self.site)
            #expect(empty.hasPrefix("HTTP/1.1 404") && empty.contains("Access-Control-Allow-Origin: \(Self.site)\r\n"), "\(empty)")
            _ = await services.ticks.tick(trigger: .manual)
            _ = await services.ticks.tick(channel: "lobby", trigger: .manual)
            let reads = ["/api/message", "/api/message?via=router", "/api/messages", "/api/messages?limit=1", "/api/messages/latest", "/api/messages/1",
                         "/api/channels", "/api/health", "/api/channels/lobby/message", "/api/channels/lobby/messages", "/api/channels/lobby/messages/2"]
            for path in reads {
                let listed = try await Self.get(port, path, origin: Self.site)
                #expect(listed.hasPrefix("HTTP/1.1 200"), "\(path): \(listed.prefix(200))")
                #expect(listed.contains("Access-Control-Allow-Origin: \(Self.site)\r\n") && listed.contains("Vary: Origin\r\n")
                        && listed.contains("Access-Control-Expose-Headers: ETag\r\n"), "\(path): \(listed.prefix(400))")
                let other = try await Self.get(port, path, origin: "http://evil.example")
                #expect(other.hasPrefix("HTTP/1.1 200") && !other.contains("Access-Control-Allow-Origin") && other.contains("Vary: Origin\r\n"), "\(path)")
                let none = try await Self.get(port, path, origin: nil)
                #expect(!none.contains("Access-Control-Allow-Origin") && none.contains("Vary: Origin\r\n"), "\(path)")
            }
            // Never an admin route, nor a public one outside the reads.
            let auth = "Authorization: Bearer \(adminToken)\n"
            for (method, path) in [("GET", "/api/config"), ("POST", "/api/messages/generate"), ("GET", "/api/ticks"), ("GET", "/api/providers"),
                                   ("POST", "/api/channels/lobby/generate"), ("GET", "/metrics")] {
                let answer = try await Self.get(port, path, origin: Self.site, method: method, extra: auth + "Content-Length: 0\n")
                #expect(!answer.contains("Access-Control"), "\(method) \(path): \(answer.prefix(300))")
            }
        }
    }

    /// The fast path keeps its verdict on a connection's `Host` and `Origin` between requests;
    /// a reload that lists them, and one that takes them off again, changes the answer to the
    /// very next request on the same kept-alive connection.
    @Test func aKeptAliveConnectionFollowsAReloadOfHostsAndOrigins() async throws {
        let workspace = try TestWorkspace()
        let plain = #"{"plugins": {"m": {"plugin": "mock"}}}"#
        let listing = #"{"plugins": {"m": {"plugin": "mock"}}, "server": {"allowed_hosts": ["screen.example"], "cors_origins": ["http://news.example"]}}"#
        try await workspace.withApp(config: listing, live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let connection = try RawConnection(port: client.port!)
            func answer() async throws -> String {
                connection.send("GET /api/message HTTP/1.1\nHost: screen.example\nOrigin: http://news.example\n\n")
                let (text, closed) = try await connection.readUntilClosed(seconds: 20, until: "}")
                #expect(!closed, "\(text)")
                return text
            }
            for round in 0..<2 {
                let listed = try await answer()
                #expect(listed.hasPrefix("HTTP/1.1 200") && listed.contains("Access-Control-Allow-Origin: http://news.example\r\n"),
                        "round \(round): \(listed)")
                try workspace.write("plugin_config.json", plain)
                _ = try await services.reloads.reload()
                let refused = try await answer()
                #expect(refused.hasPrefix("HTTP/1.1 421") && !refused.contains("Access-Control"), "round \(round): \(refused)")
                try workspace.write("plugin_config.json", listing)
                _ = try await services.reloads.reload()
            }
        }
    }

    @Test func aListedOriginsPreflightIsAnsweredAndNoOtherIs() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, live: true) { _, _, client in
            let port = client.port!
            let ask = "Access-Control-Request-Method: GET\nAccess-Control-Request-Headers: last-event-id\n"
            for path in ["/api/message", "/api/stream", "/api/channels/lobby/stream", "/api/messages?limit=5"] {
                let answer = try await Self.get(port, path, origin: Self.site, method: "OPTIONS", extra: ask)
                #expect(answer.hasPrefix("HTTP/1.1 204") && answer.contains("Access-Control-Allow-Origin: \(Self.site)\r\n")
                        && answer.contains("Access-Control-Allow-Methods: GET, HEAD\r\n") && answer.contains("Last-Event-ID"), "\(path): \(answer)")
            }
            for (path, origin) in [("/api/message", "http://evil.example"), ("/api/config", Self.site), ("/api/review", Self.site)] {
                let answer = try await Self.get(port, path, origin: origin, method: "OPTIONS", extra: ask)
                #expect(answer.hasPrefix("HTTP/1.1 405") && !answer.contains("Access-Control"), "\(path) from \(origin): \(answer.prefix(300))")
            }
        }
    }

    @Test func aStreamAnswersAListedOrigin() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, live: true) { services, _, client in
            _ = await services.ticks.tick(channel: "lobby", trigger: .manual)
            for path in ["/api/channels/lobby/stream", "/api/stream"] {
                let connection = try RawConnection(port: client.port!)
                connection.send("GET \(path) HTTP/1.1\nHost: 127.0.0.1\nOrigin: \(Self.site)\n\n")
                let (text, _) = try await connection.readUntilClosed(seconds: 10, until: "\r\n\r\n")
                #expect(text.hasPrefix("HTTP/1.1 200") && text.contains("Access-Control-Allow-Origin: \(Self.site)\r\n")
                        && text.contains("text/event-stream"), "\(path): \(text)")
                connection.reset()
            }
        }
    }

    /// The fast path adds the same fields in the same place as the router, 304 included.
    @Test func theFastPathsCrossOriginAnswerIsTheRoutersByteForByte() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, live: true) { services, _, client in
            for _ in 0..<2 { _ = await services.ticks.tick(trigger: .manual) }
            _ = try await rawHTTP(port: client.port!, "GET /api/messages?via=router HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            for path in ["/api/message", "/api/messages"] {
                for extra in ["Origin: \(Self.site)\n", "Origin: http://evil.example\n", "", "Origin: \(Self.site)\nIf-None-Match: \"m2\"\n"] {
                    for method in ["GET", "HEAD"] {
                        let (hot, router) = try await HotReadTests.bothWays(port: client.port!, path: path) {
                            "\(method) \($0) HTTP/1.1\nHost: 127.0.0.1\n\(extra)Connection: close\n\n"
                        }
                        #expect(hot.contains("Vary: Origin\r\n") && hot == router, "\(method) \(path) \(extra): \(hot)\n---\n\(router)")
                    }
                }
            }
        }
    }

    @Test func onlyPublicReadPathsAreCovered() {
        for path in ["/api/message", "/api/messages", "/api/messages/7", "/api/messages/latest", "/api/stream", "/api/channels", "/api/health",
                     "/api/channels/news/message", "/api/channels/news/messages", "/api/channels/news/messages/3", "/api/channels/news/stream"] {
            #expect(CrossOrigin.covers(path: path), "\(path)")
        }
        for path in ["/api/messages/generate", "/api/channels/news/generate", "/api/config", "/api/review", "/api/audit", "/api/ticks", "/api/providers",
                     "/metrics", "/", "/console", "/api/messages/3/retract", "/api/channels/news", "/api/messagesx", "/apix/message"] {
            #expect(!CrossOrigin.covers(path: path), "\(path)")
        }
    }

    @Test func anOriginThatIsNotOneIsAConfigurationError() throws {
        let workspace = try TestWorkspace()
        for bad in ["news.example", "https://news.example/page", "*", "ftp://news.example"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try workspace.load(config: #"{"server": {"cors_origins": ["\#(bad)"]}}"#)
            }
        }
        let good = try workspace.load(config: #"{"server": {"cors_origins": ["HTTPS://News.Example", "http://[::1]:8081"]}}"#)
        #expect(good.access.corsOrigins == ["https://news.example", "http://[::1]:8081"])
    }
}
