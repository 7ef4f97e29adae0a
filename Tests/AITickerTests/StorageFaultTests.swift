import AITicker
import Foundation
import GRDB
import Testing

/// What the service does when its SQLite file is removed, shared, damaged or read-only: never a
/// 201 for a message that is not durably stored, never two instances ticking, always a report.
@Suite("Storage faults", .serialized)
struct StorageFaultTests {
    static let config = #"{"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "{uuid}"}}}}, "ticker": {"interval_seconds": 3600}}"#

    func start(_ workspace: TestWorkspace, wrapper: [String] = []) async throws -> (ServiceProcess, String) {
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, wrapper: wrapper)
        return (service, "http://127.0.0.1:\(try await service.port())")
    }

    func generatedID(_ base: String) async throws -> Int64? {
        let answer = try await httpPost("\(base)/api/messages/generate")
        guard answer.status == 201 else { return nil }
        return (try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8)))["id"]?.doubleValue.map { Int64($0) }
    }

    /// The ids of `count` messages generated one after another, each answered 201.
    func generated(_ count: Int, _ base: String) async throws -> [Int64] {
        var ids: [Int64] = []
        for _ in 0..<count { ids.append(try #require(try await generatedID(base))) }
        return ids
    }

    func stop(_ service: ServiceProcess) async throws {
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
    }

    /// A workspace whose database holds one generated message, written by a service that then
    /// stopped cleanly; the message's id.
    func workspaceWithOneMessage() async throws -> (TestWorkspace, Int64) {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config)
        let (service, base) = try await start(workspace)
        let id = try #require(try await generatedID(base))
        try await stop(service)
        return (workspace, id)
    }

    @Test func aRemovedDatabaseRefusesWritesAndNoAcknowledgedMessageIsLost() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config)
        var (service, base) = try await start(workspace)
        let acknowledged = try await generated(3, base)

        for suffix in ["", "-wal", "-shm"] { try FileManager.default.removeItem(atPath: workspace.path("ticker.sqlite\(suffix)")) }
        var acknowledgedAfterRemoval = 0
        for _ in 0..<3 {
            let answer = try await httpPost("\(base)/api/messages/generate")
            #expect(answer.status == 503)
            #expect(answer.body.contains("storage_unavailable") && answer.body.contains("removed or replaced"))
            if answer.status == 201 { acknowledgedAfterRemoval += 1 }
        }
        let health = try await httpGet("\(base)/api/health")
        #expect(health.body.contains(#""status":"degraded""#) && health.body.contains(#""writable":false"#))
        #expect(health.body.contains("was removed or replaced while the service ran"))
        let patch = try await httpPost("\(base)/api/config", body: #"{"ticker.interval_seconds": 600}"#, method: .PATCH)
        #expect(patch.status == 503, "a runtime override is not acknowledged either")
        #expect(try await httpGet("\(base)/api/message").status == 200, "the last message is still served")
        try await stop(service)

        (service, base) = try await start(workspace)
        let last = try #require(acknowledged.max())  // the first tick at start stored id 1
        #expect(service.log.contains("\(last) acknowledged message(s) missing from the database (ids 1–\(last))"))
        let next = try #require(try await generatedID(base))
        #expect(next > last, "an id is never given twice: \(next)")
        print("removed database: acknowledged after removal \(acknowledgedAfterRemoval), lost 0; next id \(next) after \(acknowledged)")
        try await stop(service)
    }

    @Test func aSecondInstanceOnTheSameFileRefusesToStart() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config)
        let (first, base) = try await start(workspace)
        let second = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        #expect(try await second.exitStatus() == 2)
        #expect(second.log.contains("is in use by another ai-ticker (pid \(first.process.processIdentifier)"))
        #expect(!second.log.contains("listening on"))
        // The same file under other names: a symbolic link to it, and a hard link.
        let database = workspace.path("ticker.sqlite")
        try FileManager.default.createSymbolicLink(atPath: workspace.path("symbolic.sqlite"), withDestinationPath: database)
        try FileManager.default.linkItem(atPath: database, toPath: workspace.path("hard.sqlite"))
        for name in ["symbolic.sqlite", "hard.sqlite"] {
            let other = try ServiceProcess(arguments: ["--port", "0", "--db", workspace.path(name)], directory: workspace.url)
            #expect(try await other.exitStatus() == 2, "\(name): \(other.log)")
            #expect(other.log.contains("is in use by another ai-ticker"), "\(name): \(other.log)")
            #expect(!other.log.contains("listening on"))
        }
        #expect(try await generatedID(base) != nil, "the first instance is untouched")
        try await stop(first)

        let (third, thirdBase) = try await start(workspace)
        #expect(try await generatedID(thirdBase) != nil, "the lock ends with the instance that held it")
        try await stop(third)
    }

    @Test func messagesLostWithADamagedWALAreReported() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config)
        let (service, base) = try await start(workspace)
        let acknowledged = try await generated(3, base)
        service.signal(SIGKILL)
        _ = try await service.exitStatus()
        // The first frame after the WAL's 32-byte header: its checksum fails, so SQLite replays none.
        let wal = try FileHandle(forUpdating: URL(fileURLWithPath: workspace.path("ticker.sqlite-wal")))
        try wal.seek(toOffset: 32 + 24 + 200)
        try wal.write(contentsOf: Data(repeating: 0xA5, count: 64))
        try wal.close()

        let (restarted, restartedBase) = try await start(workspace)
        #expect(restarted.log.contains("acknowledged message(s) missing from the database"))
        #expect(restarted.log.contains("new messages are numbered after \(acknowledged.max() ?? -1)"))
        let next = try #require(try await generatedID(restartedBase))
        #expect(next > acknowledged.max()!)
        try await stop(restarted)
    }

    @Test func aDamagedDatabaseIsReportedAndServedDegradedWithoutACrash() async throws {
        let (workspace, _) = try await workspaceWithOneMessage()
        let path = workspace.path("ticker.sqlite")
        let root = try await DatabaseQueue(path: path).read { db in
            try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'messages'")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 > 4096, "the clean stop folded the WAL into the file")
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try file.seek(toOffset: UInt64((try #require(root) - 1) * 4096 + 8))
        try file.write(contentsOf: Data([0x00, 0x05, 0x00, 0x07, 0xFF, 0xFF]))  // the first cell points outside the page
        try file.close()

        let (damaged, damagedBase) = try await start(workspace)
        // The check runs once the port is open; storing waits for it.
        let health = try await waitForBody("\(damagedBase)/api/health", containing: #""integrity":"failed""#, within: .seconds(10))
        #expect(health.contains(#""status":"degraded""#) && health.contains("failed its integrity check"), "\(health)")
        #expect(damaged.log.contains("failed its integrity check"))
        #expect(try await httpGet("\(damagedBase)/api/messages").status == 503)
        #expect(try await httpPost("\(damagedBase)/api/messages/generate").status == 503, "nothing is written to a damaged file")
        #expect(damaged.process.isRunning)
        try await stop(damaged)
    }

    /// A database of a million messages: the port opens (and READY goes out) before the
    /// integrity check ends, the health says it is running, and its result is logged.
    @Test func aLargeDatabaseIsCheckedAfterThePortOpens() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", Self.config.replacingOccurrences(of: #""interval_seconds": 3600"#,
                                                                               with: #""interval_seconds": 3600, "retention": 2000000"#))
        try await fillDatabase(workspace.path("ticker.sqlite"), messages: 1_000_000)
        let (service, base) = try await start(workspace)
        let first = try await httpGet("\(base)/api/health").body
        #expect(first.contains(#""integrity":"checking""#) || first.contains(#""integrity":"ok""#), "\(first)")
        let done = try await waitForBody("\(base)/api/health", containing: #""integrity":"ok""#, within: .seconds(60))
        #expect(done.contains(#""integrity":"ok""#), "\(done)")
        let log = service.log
        let listening = try #require(log.range(of: "listening on"))
        let checked = try #require(log.range(of: "database integrity check passed"), "\(log)")
        #expect(listening.lowerBound < checked.lowerBound, "the port opened before the check ended: \(log)")
        print("1M messages: first health said \(first.contains("checking") ? "checking" : "ok"); \(log[checked.lowerBound...].prefix(80))")
        #expect(try await generatedID(base) != nil, "storing goes ahead once the check passed")
        try await stop(service)
    }

    /// A read-only bind mount of the workspace, as systemd's `ReadOnlyPaths=` gives.
    @Test func aReadOnlyDatabaseAtStartIsServedDegraded() async throws {
        let (workspace, stored) = try await workspaceWithOneMessage()

        let directory = workspace.url.path
        let (readOnly, readOnlyBase) = try await start(workspace, wrapper: [
            "/usr/bin/unshare", "--mount", "/bin/sh", "-c", #"mount --bind -o ro "$0" "$0" && shift && exec "$@""#, directory, "--",
        ])
        #expect(try await httpGet("\(readOnlyBase)/api/message").body.contains(#""id":\#(stored),"#))
        let health = try await httpGet("\(readOnlyBase)/api/health")
        #expect(health.body.contains(#""status":"degraded""#) && health.body.contains("opened read-only"))
        let generate = try await httpPost("\(readOnlyBase)/api/messages/generate")
        #expect(generate.status == 503 && generate.body.contains("opened read-only"))
        #expect(readOnly.log.contains("Read-only file system"))
        try await stop(readOnly)
    }
}

/// A service database holding `messages` generated rows (and nothing else), written in one
/// transaction by SQLite itself.
func fillDatabase(_ path: String, messages: Int) async throws {
    let store = try SQLiteMessageStore(path: path)  // migrates
    await store.close()
    let database = try DatabaseQueue(path: path)
    try await database.write { db in
        try db.execute(sql: """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO messages (content, provider, provider_name, model, profile, latency_ms, created_at, source, attempts)
            SELECT 'Stored message number ' || i || ' of the big archive', 'p', 'P', 'm', 'default', 1, '2026-01-01T00:00:00.000Z', 'generated', '[]' FROM n
            """, arguments: [messages])
    }
    try database.close()
}
