import Foundation
import Testing
@testable import AITicker

/// Slow, silent and stale clients are closed; HTTP/1.0 gets what it asked for; the connection
/// limit holds (docs/operations.md, Connections and descriptors).
@Suite("Connections")
struct ConnectionTests {
    let short = ["SERVER_IDLE_TIMEOUT_SECONDS": "1", "SERVER_READ_TIMEOUT_SECONDS": "1", "TICKER_ADMIN_TOKEN": adminToken]

    @Test func silentPartialAndStaleClientsAreClosedByTheTimeouts() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: short, live: true) { services, _, client in
            let port = client.port!
            let silent = try RawConnection(port: port)
            let partialHead = try RawConnection(port: port)
            partialHead.send("GET /api/health HTTP/1.1\nHost: 127.0.0.1\n")
            let partialBody = try RawConnection(port: port)
            partialBody.send("PATCH /api/config HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer \(adminToken)\nContent-Length: 100\n\n{\"ticker.\"")
            let stale = try RawConnection(port: port)
            stale.send("GET /api/health HTTP/1.1\nHost: 127.0.0.1\n\n")
            for (name, connection) in [("silent", silent), ("partial head", partialHead), ("partial body", partialBody), ("idle keep-alive", stale)] {
                // Without the timeouts these would stay open; 20 s leaves a busy machine room.
                let (text, closed) = try await connection.readUntilClosed(seconds: 20)
                #expect(closed, "\(name) is closed")
                if name == "idle keep-alive" { #expect(text.hasPrefix("HTTP/1.1 200")) }
            }
            // The test client's own keep-alive connection is closed by the short idle timeout too.
            let metrics = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
            #expect(metrics.contains(#"ai_ticker_connections_closed_total{reason="idle_timeout"}"#))
            #expect(metrics.contains(#"ai_ticker_connections_closed_total{reason="read_timeout"} 1"#))
            #expect(try await services.store.overrides().isEmpty, "the half-sent PATCH changed nothing")
        }
    }

    @Test func aStreamOutlivesTheIdleTimeout() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: short, live: true) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let stream = try RawConnection(port: client.port!)
            stream.send("GET /api/stream HTTP/1.1\nHost: 127.0.0.1\n\n")
            let (text, _) = try await stream.readUntilClosed(seconds: 20, until: "event: message")
            #expect(text.contains("event: message"))
            let (_, closed) = try await stream.readUntilClosed(seconds: 3)
            #expect(!closed, "no timer runs while a response is being written: open for 3 s past a 1 s idle timeout")
        }
    }

    @Test func http10WithoutKeepAliveGetsA10AnswerAndAClosedConnection() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, client in
            let plain = try RawConnection(port: client.port!)
            plain.send("GET /api/health HTTP/1.0\n\n")
            let (text, closed) = try await plain.readUntilClosed(seconds: 20)
            #expect(text.hasPrefix("HTTP/1.0 200"))
            #expect(text.lowercased().contains("connection: close"))
            #expect(closed)
            let kept = try RawConnection(port: client.port!)
            kept.send("GET /api/health HTTP/1.0\nConnection: keep-alive\n\n")
            let (answer, _) = try await kept.readUntilClosed(seconds: 20, until: "\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.0 200") && answer.lowercased().contains("connection: keep-alive"))
            let (_, keptClosed) = try await kept.readUntilClosed(seconds: 1)
            #expect(!keptClosed, "kept open after the answer")
        }
    }

    /// The built binary: Hummingbird's test harness drops the connection limit when it rebinds.
    @Test func atTheConnectionLimitTheLongestIdleConnectionMakesRoom() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, environment: [
            "SERVER_MAX_CONNECTIONS": "16", "SERVER_MAX_STREAM_CLIENTS": "8",
        ])
        let port = try await service.port()
        _ = try await firstMessage(port: port)
        // The oldest connection, but busy: a stream is being answered, so it is never the one closed.
        let stream = try RawConnection(port: port)
        stream.send("GET /api/stream HTTP/1.1\nHost: 127.0.0.1\n\n")
        try await Task.sleep(for: .milliseconds(200))
        let held = try (0..<20).map { _ in try RawConnection(port: port) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        let answer = try await rawHTTP(port: port, "GET /api/health HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
        let waited = ContinuousClock.now - started
        #expect(answer.status == 200)
        #expect(waited < .seconds(10), "served without waiting for the idle timeout (30 s): \(waited)")
        let (streamed, streamClosed) = try await stream.readUntilClosed(seconds: 20, until: "event: message")
        #expect(!streamClosed && streamed.contains("event: message"), "the stream is untouched")
        let metrics = try await rawHTTP(port: port, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
        func value(_ name: String) -> Double {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
        }
        #expect(value("ai_ticker_connection_limit_reached_total") >= 1)
        #expect(value(#"ai_ticker_connections_closed_total{reason="evicted"}"#) >= 5, "\(metrics)")
        #expect(service.log.contains("connection limit reached"))
        print("connection limit: 16 connections, 1 stream and 20 idle clients held; a new client was served after \(waited)")
        withExtendedLifetime(held) {}
    }

    /// SIGTERM with one client stuck half-way through a body and one that finishes its body
    /// after the signal: the second is answered, the first closed when the grace period ends.
    @Test func aStopGivesRequestsInFlightTheGracePeriodThenCloses() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, environment: ["SERVER_SHUTDOWN_GRACE_SECONDS": "5"])
        let port = try await service.port()
        let head = "PATCH /api/config HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer \(adminToken)\nContent-Type: application/json\n"
        let stalled = try RawConnection(port: port)
        stalled.send(head + "Content-Length: 100\n\n{\"ticker.")
        let body = #"{"ticker.interval_seconds": 600}"#
        let finishing = try RawConnection(port: port)
        finishing.send(head + "Content-Length: \(body.utf8.count)\n\n")
        // Both heads must have been read before the signal (a connection with no request in
        // flight closes at once); nothing answers a head alone, so give a busy machine time, and
        // see that the service answers a third connection after that time.
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await rawHTTP(port: port, "GET /api/health HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").status == 200)

        let started = ContinuousClock.now
        service.signal(SIGTERM)
        // From a Dispatch thread, not after a Task.sleep: with the whole suite running, the
        // cooperative pool can be busy for longer than the grace period, and the body would then
        // come after it (seen in CI: both bodies cut at the end of the grace, none answered).
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(500)) { finishing.send(body) }
        let (answer, closed) = try await finishing.readUntilClosed(seconds: 8)
        #expect(answer.hasPrefix("HTTP/1.1 200"), "a request finishing within the grace period is answered: \(answer)\n\(service.log.suffix(2000))")
        #expect(closed, "and its connection closed after the answer")
        #expect(try await service.exitStatus(timeout: .seconds(25)) == 0)
        let stopped = ContinuousClock.now - started
        #expect(stopped < .seconds(15), "the half-sent body (read timeout 30 s) is cut at the grace period (5 s; long enough for a machine busy with the rest of the suite to read the other body): \(stopped)")
        print("shutdown with a half-sent body: exited \(stopped) after SIGTERM (grace 5 s, read timeout 30 s)")
    }

    /// SIGTERM with a stream open: the stream ends with its last chunk, and the service exits
    /// without waiting out the grace period for it.
    @Test func aStopEndsStreamsAtOnce() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, environment: ["SERVER_SHUTDOWN_GRACE_SECONDS": "30"])
        let port = try await service.port()
        let stream = try RawConnection(port: port)
        stream.send("GET /api/stream HTTP/1.1\nHost: 127.0.0.1\n\n")
        let (text, _) = try await stream.readUntilClosed(seconds: 20, until: "event: message")
        #expect(text.contains("event: message"))
        let started = ContinuousClock.now
        service.signal(SIGTERM)
        let (rest, closed) = try await stream.readUntilClosed(seconds: 25)
        #expect(closed && rest.hasSuffix("0\r\n\r\n"), "the stream ended with its last chunk: \(rest)")
        #expect(try await service.exitStatus(timeout: .seconds(40)) == 0)
        #expect(ContinuousClock.now - started < .seconds(15), "not after the 30 s grace period: \(ContinuousClock.now - started)")
    }
}
