import Foundation
import Testing
@testable import AITicker
@testable import TickerCore

/// Connections as an attacker opens them (issue 24): clients that pipeline and never read,
/// slow bodies at the connection limit, the descriptor limit, one address holding many
/// connections, unframed HTTP/1.0 answers, refused hosts and upgrades. The socket cases run
/// against the built binary.
@Suite("Connections under abuse")
struct ConnectionAbuseTests {
    static let config = #"{"plugins": {"offline": {}}, "ticker": {"interval_seconds": 3600}}"#

    /// A started binary with a first message.
    private func service(_ environment: [String: String] = [:], wrapper: [String] = []) async throws -> (ServiceProcess, Int, TestWorkspace) {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, environment: environment, wrapper: wrapper)
        let port = try await service.port()
        #expect(try await firstMessage(port: port).status == 200)
        return (service, port, workspace)
    }

    private static func metric(_ name: String, port: Int) async throws -> Double {
        let text = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }

    /// How long a new client waits for `GET /api/message`, checking it is served well before
    /// `before` would have freed a slot.
    private static func newClientWaits(port: Int, before: String) async throws -> Duration {
        let started = ContinuousClock.now
        let answer = try await rawHTTP(port: port, "GET /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
        let waited = ContinuousClock.now - started
        #expect(answer.status == 200)
        #expect(waited < .seconds(10), "served long before \(before): \(waited)")
        return waited
    }

    private static func rssMiB(_ pid: Int32) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    /// Each client asks for the 56 KB contract 200 times and reads nothing: before, the service
    /// buffered every answer (2 GB for 300 clients) and kept much of it.
    @Test func clientsThatPipelineAndNeverReadCostOneAnswerEachAndAreClosed() async throws {
        let (service, port, workspace) = try await service(["SERVER_WRITE_TIMEOUT_SECONDS": "3"])
        let pid = service.process.processIdentifier
        let idle = Self.rssMiB(pid)
        // 11 MB of answers each: more than the kernel's socket buffers take.
        let requests = String(repeating: "GET /openapi.json HTTP/1.1\nHost: 127.0.0.1\n\n", count: 200)
        let clients = try (0..<40).map { _ in
            let connection = try RawConnection(port: port, receiveBuffer: 4096)
            connection.send(requests)
            return connection
        }
        var peak = idle
        for _ in 0..<10 {
            peak = max(peak, Self.rssMiB(pid))
            let answer = try await rawHTTP(port: port, "GET /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(answer.status == 200, "the latest message is answered meanwhile")
            try await Task.sleep(for: .milliseconds(200))
        }
        print("40 clients x 200 pipelined GET /openapi.json, not reading: RSS \(idle) MiB idle, peak \(peak) MiB")
        // Buffering the answers would take 40 x 11 MB.
        #expect(peak - idle < 100, "memory stays bounded: \(idle) -> \(peak) MiB")
        // Nothing read for 3 s: each is closed by the write timeout.
        var closed = 0.0
        for _ in 0..<100 where closed < 40 {
            try await Task.sleep(for: .milliseconds(200))
            closed = try await Self.metric(#"ai_ticker_connections_closed_total{reason="write_timeout"}"#, port: port)
        }
        print("closed by the write timeout (3 s): \(closed) of 40")
        #expect(closed >= 36, "the clients that stopped reading were closed: \(closed)")
        withExtendedLifetime((clients, workspace)) {}
    }

    /// The same on the fast path, which answers on the event loop: it stops when the client does.
    /// A pipeline longer than one turn (one request per connection each time the event loop
    /// goes round) is answered whole and in order, event-loop answers and routed ones mixed.
    @Test func aPipelineThatTakesManyTurnsIsAnsweredWholeAndInOrder() async throws {
        let (service, port, workspace) = try await service([:])
        let paths = (0..<60).map { ["/api/message", "/api/health", "/api/messages?limit=1", "/api/providers"][$0 % 4] }
        let requests = paths.enumerated().map { index, path in
            "GET \(path) HTTP/1.1\nHost: 127.0.0.1\n\(index == paths.count - 1 ? "Connection: close\n" : "")\n"
        }.joined()
        let connection = try RawConnection(port: port)
        connection.send(requests)
        let (text, closed) = try await connection.readUntilClosed(seconds: 30)
        #expect(closed, "closed after the last answer")
        let answers = text.components(separatedBy: "HTTP/1.1 ").dropFirst()
        #expect(answers.count == paths.count && answers.allSatisfy { $0.hasPrefix("200") }, "\(answers.count) answers: \(text.suffix(300))")
        // Each answer's body tells its route: the order is the order asked.
        let kinds = answers.map { answer in
            answer.contains(#""cache_size""#) ? "/api/health" : answer.contains(#""ranking""#) ? "/api/providers"
                : answer.contains(#""messages""#) ? "/api/messages?limit=1" : "/api/message"
        }
        #expect(kinds == paths)
        withExtendedLifetime((service, workspace)) {}
    }

    @Test func pipelinedLatestMessagesStopWhenTheClientStopsReading() async throws {
        let (service, port, workspace) = try await service(["SERVER_WRITE_TIMEOUT_SECONDS": "2"])
        // 90 KB of requests (the server's receive buffer takes them), 660 KB of answers.
        let requests = String(repeating: "GET /api/message HTTP/1.1\nHost: 127.0.0.1\n\n", count: 2_000)
        let clients = try (0..<10).map { _ in
            let connection = try RawConnection(port: port, receiveBuffer: 4096)
            connection.send(requests)
            return connection
        }
        var closed = 0.0
        for _ in 0..<100 where closed < 10 {
            try await Task.sleep(for: .milliseconds(200))
            closed = try await Self.metric(#"ai_ticker_connections_closed_total{reason="write_timeout"}"#, port: port)
        }
        #expect(closed == 10, "closed by the write timeout: \(closed)")
        let metrics = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
        let answered = metrics.split(separator: "\n").filter {
            $0.hasPrefix("ai_ticker_http_requests_total{") && $0.contains(#"route="/api/message""#) && $0.contains(#"method="GET""#)
        }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        #expect(answered > 0 && answered < 10 * 2_000, "answered until the clients stopped taking answers, not all into memory: \(answered)")
        print("10 clients x 2,000 pipelined GET /api/message, not reading: \(answered) answered before each stalled and was closed")
        withExtendedLifetime((clients, service, workspace)) {}
    }

    /// Before, slow bodies were never evicted: a new client waited for the read timeout (30 s).
    @Test func slowBodiesAtTheLimitMakeRoomForANewClient() async throws {
        let (service, port, workspace) = try await service(["SERVER_MAX_CONNECTIONS": "16"])
        let slow = try (0..<24).map { _ in
            let connection = try RawConnection(port: port)
            connection.send("PATCH /api/config HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: 1000\n\n{\"")
            return connection
        }
        try await Task.sleep(for: .milliseconds(500))
        let waited = try await Self.newClientWaits(port: port, before: "the read timeout (30 s)")
        #expect(try await Self.metric(#"ai_ticker_connections_closed_total{reason="evicted"}"#, port: port) >= 8)
        print("24 slow bodies at a limit of 16: a new client was served after \(waited)")
        withExtendedLifetime((slow, service, workspace)) {}
    }

    /// Before, `accept` failed at the descriptor limit and a new client waited for an idle
    /// keep-alive to time out (30 s).
    @Test func atTheDescriptorLimitANewClientIsServed() async throws {
        let (service, port, workspace) = try await service(wrapper: ["/usr/bin/prlimit", "--nofile=256:256"])
        let idle = (0..<260).compactMap { _ -> RawConnection? in
            let connection = try? RawConnection(port: port)
            connection?.send("GET /api/message HTTP/1.1\nHost: 127.0.0.1\n\n")
            return connection
        }
        try await Task.sleep(for: .seconds(1))
        let waited: Duration
        do {
            waited = try await Self.newClientWaits(port: port, before: "the idle timeout (30 s)")
        } catch {
            // This failed now and then under a full suite ("connection refused"): say whether the
            // service was still running, and what it logged, instead of only the client's error.
            let state = service.process.isRunning ? "still running" : "exited with \(service.process.terminationStatus)"
            Issue.record("a new client could not connect (\(error)); the service is \(state); \(idle.count) idle clients; log: \(service.log.suffix(3000))")
            return
        }
        #expect(service.log.contains("does not fit the descriptor limit: at most 192 connections"))
        print("\(idle.count) idle keep-alives under a descriptor limit of 256: a new client was served after \(waited)")
        withExtendedLifetime((idle, workspace)) {}
    }

    @Test func oneClientHoldsAtMostItsShareAndATrustedProxysClientsAreCountedApart() async throws {
        let workspace = try TestWorkspace()
        let environment = ["SERVER_MAX_CONNECTIONS_PER_CLIENT": "3", "TICKER_ADMIN_TOKEN": adminToken]
        try await workspace.withApp(environment: environment, live: true) { _, _, client in
            let port = client.port!
            let held = try (0..<3).map { _ in try RawConnection(port: port) }
            try await Task.sleep(for: .milliseconds(500))  // accepted before the fourth
            let (text, closed) = try await rawRead(port: port, "GET /api/health HTTP/1.1\nHost: 127.0.0.1\n\n")
            #expect(text.hasPrefix("HTTP/1.1 429") && text.contains("too_many_connections") && closed, "\(text.prefix(300))")
            withExtendedLifetime(held) {}
        }
        try await workspace.withApp(environment: environment.merging(["SERVER_TRUSTED_PROXIES": "127.0.0.0/8"]) { $1 }, live: true) { _, _, client in
            let port = client.port!
            func forwarded(_ address: String) throws -> RawConnection {
                let connection = try RawConnection(port: port)
                connection.send("GET /api/health HTTP/1.1\nHost: 127.0.0.1\nX-Forwarded-For: \(address)\n\n")
                return connection
            }
            // Six connections from the proxy: three for each of two clients.
            let held = try ["203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2", "198.51.100.9, 203.0.113.2"].map(forwarded)
            for connection in held {
                let (text, _) = try await connection.readUntilClosed(seconds: 20, until: "\r\n\r\n")
                #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
            }
            let fourth = try forwarded("203.0.113.1")
            let (text, closed) = try await fourth.readUntilClosed(seconds: 20)
            #expect(text.hasPrefix("HTTP/1.1 429") && closed, "the forwarded client's fourth connection: \(text.prefix(200))")
        }
    }

    @Test func http10KeepAliveAnswersAreFramedOrClose() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            // Two requests on one connection: the first answer must say where it ends.
            let request = "GET /openapi.json HTTP/1.0\nConnection: keep-alive\nAccept-Encoding: gzip\n\n"
            let connection = try RawConnection(port: client.port!)
            connection.send(request + request)
            // The connection stays open, so this always waits the whole time: long enough for a
            // machine busy with the rest of the suite.
            let (text, closed) = try await connection.readUntilClosed(seconds: 8)
            #expect(!closed, "kept alive")
            let answers = text.components(separatedBy: "HTTP/1.0 200 OK\r\n").dropFirst()
            #expect(answers.count == 2, "two answers: \(text.prefix(300))")
            for answer in answers {
                let parts = answer.components(separatedBy: "\r\n\r\n")
                let head = parts[0].lowercased()
                #expect(!head.contains("content-encoding"), "no gzip for HTTP/1.0 (nginx's default)")
                let length = head.components(separatedBy: "content-length: ").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
                #expect(length == parts.dropFirst().joined(separator: "\r\n\r\n").utf8.count, "framed by its length: \(head)")
            }
            let (stream, _) = try await rawRead(port: client.port!, "GET /api/stream HTTP/1.0\nConnection: keep-alive\n\n", until: "event: message")
            #expect(stream.hasPrefix("HTTP/1.0 200") && stream.lowercased().contains("connection: close"), "no length: the close ends it")
        }
    }

    @Test func repeatedMissingOrForeignHostsAndUpgradesAreRefusedAndClosed() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let port = client.port!
            let refused = [
                "GET /api/message HTTP/1.1\nHost: 127.0.0.1\nHost: evil.example\n\n",
                "GET /api/message HTTP/1.1\n\n",
                "GET http://evil.example/api/message HTTP/1.1\nHost: 127.0.0.1\n\n",
                "GET /api/health HTTP/1.1\nHost: 127.0.0.1\nConnection: Upgrade\nUpgrade: websocket\n\nGET /api/message HTTP/1.1\nHost: 127.0.0.1\n\n",
            ]
            for request in refused {
                let started = ContinuousClock.now
                let (text, closed) = try await rawRead(port: port, request)
                #expect(text.hasPrefix("HTTP/1.1 400") && text.contains("\"error\"") && closed, "\(request): \(text.prefix(300))")
                #expect(ContinuousClock.now - started < .seconds(10), "refused at once, not at the idle timeout")
            }
            let absolute = try await rawHTTP(port: port, "GET http://127.0.0.1:\(port)/api/message HTTP/1.1\nHost: elsewhere\nConnection: close\n\n")
            #expect(absolute.status == 200, "an absolute-form target for the service itself is served")
            let old = try await rawHTTP(port: port, "GET /api/message HTTP/1.0\n\n")
            #expect(old.status == 200, "HTTP/1.0 needs no Host")
        }
    }

    @Test func theContractIsEncodedOnceWithAnETag() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken]) { _, _, client in
            let first = try await client.execute(uri: "/openapi.json", method: .get, headers: [.acceptEncoding: "gzip"])
            let second = try await client.execute(uri: "/openapi.json", method: .get, headers: [.acceptEncoding: "gzip"])
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.contentEncoding] == "gzip" && first.body == second.body)
            let plain = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(plain.headers[.eTag] == "W/" + etag || "W/" + (plain.headers[.eTag] ?? "") == etag)
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(buffer: plain.body))["openapi"] != nil)
            let again = try await client.execute(uri: "/openapi.json", method: .get, headers: [.ifNoneMatch: plain.headers[.eTag]!])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let page = try await client.execute(uri: "/", method: .get, headers: [.ifNoneMatch: "*"])
            #expect(page.status == .notModified)
        }
    }
}

/// Sends `request` on a new connection and reads until the server closes it, `until` arrives
/// or 20 s pass.
func rawRead(port: Int, _ request: String, until: String? = nil) async throws -> (text: String, closed: Bool) {
    let connection = try RawConnection(port: port)
    connection.send(request)
    return try await connection.readUntilClosed(seconds: 20, until: until)
}
