import CompressNIO
import Foundation
import HTTPTypes
import NIOCore
import Testing
@testable import AITicker

@Suite("Moving over from AI-Ticker: compression, rate limit, log file")
struct LegacyOperationsTests {
    let config = pluginConfig(#"{"m": {"plugin": "mock"}}"#)

    @Test func largeResponsesAreGzippedForClientsThatAcceptItAndDecompressToTheSameBytes() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: config, environment: ["COMPRESS_MIN_SIZE": "300"]) { services, _, client in
            for _ in 0..<5 { _ = await services.ticks.tick(trigger: .manual) }
            let plain = try await client.execute(uri: "/api/messages?limit=5", method: .get)
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.vary] == "Accept-Encoding")
            let zipped = try await client.execute(uri: "/api/messages?limit=5", method: .get, headers: [.acceptEncoding: "br;q=1.0, gzip;q=0.8"])
            #expect(zipped.headers[.contentEncoding] == "gzip")
            var body = zipped.body
            #expect(body.readableBytes < plain.body.readableBytes)
            #expect(try body.decompress(with: .gzip()) == plain.body)
            let refused = try await client.execute(uri: "/api/messages?limit=5", method: .get, headers: [.acceptEncoding: "gzip;q=0"])
            #expect(refused.headers[.contentEncoding] == nil)
            let small = try await client.execute(uri: "/api/message", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(small.headers[.contentEncoding] == nil, "below COMPRESS_MIN_SIZE")
        }
    }

    @Test func theLatestRecordIsCompressedOnceWithAWeakETagThatStillValidates() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: config, environment: ["COMPRESS_MIN_SIZE": "10"]) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let first = try await client.execute(uri: "/api/messages/latest", method: .get, headers: [.acceptEncoding: "gzip"])
            let second = try await client.execute(uri: "/api/messages/latest", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(first.headers[.contentEncoding] == "gzip")
            #expect(first.body == second.body)
            let etag = try #require(first.headers[.eTag])
            #expect(etag == "W/\"m1\"")
            let again = try await client.execute(uri: "/api/messages/latest", method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: etag])
            #expect(again.status == .notModified)
        }
    }

    @Test func compressLevelZeroTurnsCompressionOff() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: config, environment: ["COMPRESS_LEVEL": "0", "COMPRESS_MIN_SIZE": "10"]) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let response = try await client.execute(uri: "/api/messages/latest", method: .get, headers: [.acceptEncoding: "gzip"])
            #expect(response.headers[.contentEncoding] == nil)
        }
    }

    @Test func adminRoutesAreRateLimitedPerClientWithRetryAfter() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: config, environment: ["RATE_LIMIT_API": "2 per minute", "TICKER_ADMIN_TOKEN": adminToken]) { _, _, client in
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/api/providers/reload?dry_run=true", method: .post, headers: adminHeaders).status == .ok)
            }
            let refused = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.json["error"]?["code"] == .string("rate_limited"))
            let wait = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(wait))
            #expect(try await client.execute(uri: "/api/message", method: .get).status != .tooManyRequests, "reads are not limited")
        }
    }

    @Test func logFileGetsTheLogAndIsReopenedOnSIGHUP() async throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "LOG_FILE=ticker.log\nLOG_LEVEL=INFO\n")
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        _ = try await service.port()
        let log = workspace.path("ticker.log")
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("listening on http://127.0.0.1"))
        try FileManager.default.moveItem(atPath: log, toPath: workspace.path("ticker.log.1"))
        service.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, !((try? String(contentsOfFile: log, encoding: .utf8))?.contains("reloaded on SIGHUP") ?? false) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect((try? String(contentsOfFile: log, encoding: .utf8))?.contains("reloaded on SIGHUP") == true, "a new file at the same path")
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
    }
}
