import AITicker
import Foundation
import GRDB
import Synchronization
import Testing

@Suite("Reload under load", .serialized)
struct ReloadUnderLoadTests {
    final class Counts: Sendable {
        let ok = Atomic<Int>(0)
        let failed = Mutex<[String]>([])
    }

    @Test func readersNeverFailAndTimerTicksAreNeitherLostNorDoubled() async throws {
        let workspace = try TestWorkspace()
        let config = #"{"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "{uuid}"}}}}, "ticker": {"interval_seconds": 1}}"#
        try workspace.write("plugin_config.json", config)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let base = "http://127.0.0.1:\(port)"
        #expect(try await firstMessage(port: port).status == 200)

        let counts = Counts()
        // At least 5 s of reloads, and on until 100 reads were answered (at most 30 s): how many
        // fit in 5 s depends on what else the machine runs.
        let start = ContinuousClock.now
        let stopped: @Sendable () -> Bool = { ContinuousClock.now - start >= .seconds(30) || (ContinuousClock.now - start >= .seconds(5) && counts.ok.load(ordering: .relaxed) >= 100) }
        await withTaskGroup(of: Void.self) { group in
            for reader in 0..<4 {
                group.addTask {
                    let paths = ["/api/message", "/api/providers", "/api/health", "/api/messages?limit=5"]
                    while !stopped() {
                        let path = paths[reader % paths.count]
                        do {
                            let (status, _) = try await httpGet(base + path)
                            if status == 200 { counts.ok.add(1, ordering: .relaxed) } else { counts.failed.withLock { $0.append("\(path) \(status)") } }
                        } catch {
                            counts.failed.withLock { $0.append("\(path) \(error)") }
                        }
                    }
                }
            }
            group.addTask {
                var round = 0
                while !stopped() {
                    round += 1
                    if round % 5 == 0 {
                        _ = try? workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock", "priority": "high"}}}"#)
                        let rejected = try? await httpPost("\(base)/api/providers/reload")
                        if rejected?.status != 422 { counts.failed.withLock { $0.append("bad reload answered \(String(describing: rejected?.status))") } }
                        _ = try? workspace.write("plugin_config.json", config)
                    } else if round % 2 == 0 {
                        service.signal(SIGHUP)
                    } else {
                        let reload = try? await httpPost("\(base)/api/providers/reload")
                        if reload?.status != 200 { counts.failed.withLock { $0.append("reload answered \(String(describing: reload?.status))") } }
                    }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
        #expect(counts.failed.withLock { $0 } == [])
        // 16 to 5,217 reads fitted in 5 s, alone or beside the rest of the suite.
        #expect(counts.ok.load(ordering: .relaxed) >= 100)
        #expect(!service.log.contains("error"), "\(service.log.suffix(2_000))")

        let database = try DatabaseQueue(path: workspace.path("ticker.sqlite"))
        let starts = try await database.read { db in
            try String.fetchAll(db, sql: "SELECT started_at FROM ticks WHERE trigger = 'timer' ORDER BY id")
        }.compactMap(RFC3339.date)
        #expect(starts.count >= 5)
        let gaps = zip(starts, starts.dropFirst()).map { $1.timeIntervalSince($0) }
        #expect(gaps.allSatisfy { $0 > 0.5 && $0 < 1.6 }, "gaps between timer ticks: \(gaps)")
        print("reload-under-load: \(counts.ok.load(ordering: .relaxed)) requests ok, \(starts.count) timer ticks, gaps \(gaps.map { String(format: "%.2f", $0) })")
    }
}
