import AITicker
import Foundation
import Testing

@Suite("A full disk", .serialized)
struct DiskFullTests {
    func prlimit(_ pid: Int32, fsize: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--pid", String(pid), "--fsize=\(fsize)"]
        #expect(try await runToEnd(process) == 0)
    }

    /// The file-size limit makes every write past the first byte fail as on a full disk.
    @Test func writesFailTheServiceSaysDegradedKeepsServingAndRecovers() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "{uuid}"}}}}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let base = "http://127.0.0.1:\(port)"
        let before = try await firstMessage(port: port)
        #expect(before.status == 200)

        try await prlimit(service.process.processIdentifier, fsize: "1:")
        let failed = try await httpPost("\(base)/api/messages/generate")
        #expect(failed.status == 503)
        #expect(failed.body.contains("storage_unavailable"))
        let health = try await httpGet("\(base)/api/health")
        #expect(health.status == 200)
        #expect(health.body.contains(#""status":"degraded""#))
        #expect(health.body.contains(#""writable":false"#))
        let still = try await httpGet("\(base)/api/message")
        #expect(still.status == 200)
        #expect(still.body == before.body, "the last stored message is still served from memory")

        try await prlimit(service.process.processIdentifier, fsize: "unlimited:")
        let recovered = try await httpPost("\(base)/api/messages/generate")
        #expect(recovered.status == 201)
        let healthy = try await httpGet("\(base)/api/health")
        #expect(healthy.body.contains(#""writable":true"#))
        #expect(try await httpGet("\(base)/api/message").body != before.body)
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
    }
}
