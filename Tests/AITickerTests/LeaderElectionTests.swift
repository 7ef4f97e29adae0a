import Foundation
import Testing
@testable import AITicker

/// Several instances of the built binary on one private PostgreSQL cluster, as an operator runs
/// them behind a load balancer.
@Suite("Several instances, one leader", .postgres, .serialized)
struct LeaderElectionTests {
    struct Instance {
        let service: ServiceProcess
        let port: Int

        func health() async throws -> JSONValue {
            let response = try await httpGet("http://127.0.0.1:\(port)/api/health")
            return try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))
        }

        func role() async -> String? {
            (try? await health())?["cluster"]?["role"]?.stringValue
        }
    }

    /// `count` instances on one database, ticking every second.
    func start(_ count: Int, url: String, workspace: TestWorkspace) async throws -> [Instance] {
        try workspace.write("plugin_config.json", #"""
            {"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "tick {uuid}"}}}},
             "ticker": {"interval_seconds": 1, "dedupe_window": 0}, "server": {"port": 0}}
            """#)
        var instances: [Instance] = []
        for _ in 0..<count {
            let service = try ServiceProcess(arguments: [], directory: workspace.url, environment: ["DATABASE_URL": url, "TICKER_ADMIN_TOKEN": adminToken])
            instances.append(Instance(service: service, port: try await service.port()))
        }
        return instances
    }

    /// Waits until exactly one of `instances` leads and returns its index.
    func leader(among instances: [Instance], within seconds: Double = 15) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            var roles: [String?] = []
            for instance in instances { roles.append(await instance.role()) }
            if roles.filter({ $0 == "leader" }).count == 1, roles.allSatisfy({ $0 == "leader" || $0 == "standby" }) {
                return roles.firstIndex(of: "leader")!
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        var roles: [String] = []
        for instance in instances { roles.append(await instance.role() ?? "no answer") }
        let logs = instances.map { instance in
            instance.service.log.split(separator: "\n").filter { $0.contains("role:") || $0.contains("lock") || $0.contains("error") }.joined(separator: "\n")
        }.joined(separator: "\n---\n")
        let locks = (try? await cluster().psql("SELECT pid, granted, objid, classid FROM pg_locks WHERE locktype = 'advisory'")) ?? "?"
        let server = (try? String(contentsOfFile: "\(try cluster().directory)/server.log", encoding: .utf8)) ?? ""
        throw PostgresCluster.ClusterError("no single leader within \(seconds) s: \(roles)\n\(logs)\nlocks: \(locks)\nserver: \(server.suffix(1500))")
    }

    func latestID(_ instance: Instance) async throws -> Int? {
        let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/message")
        return try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))["id"]?.doubleValue.map(Int.init)
    }

    func messageIDs(_ instance: Instance) async throws -> [Int] {
        let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/messages?limit=200")
        let page = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))
        return page["messages"]?.arrayValue.compactMap { $0["id"]?.doubleValue.map(Int.init) } ?? []
    }

    @Test func oneLeaderTicksAndAnotherTakesOverWhenItIsKilledOrItsLockConnectionEnds() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        let instances = try await start(3, url: url, workspace: workspace)
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        let first = try await leader(among: instances)
        let standby = instances[(first + 1) % 3]
        let refused = try await httpPost("http://127.0.0.1:\(standby.port)/api/messages/generate")
        #expect(refused.status == 503 && refused.body.contains("stands by"), "a standby never ticks: \(refused.body)")

        // What the leader stores reaches a standby's /api/message (served from memory) within a second.
        try await Task.sleep(for: .seconds(2))
        let newest = try #require(try await latestID(instances[first]))
        let seen = ContinuousClock.now
        while (try await latestID(standby) ?? 0) < newest, ContinuousClock.now - seen < .seconds(3) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ContinuousClock.now - seen < .seconds(1), "the standby followed in \(ContinuousClock.now - seen)")

        // The leader's process dies: its session ends, and with it the lock.
        instances[first].service.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        let rest = instances.indices.filter { $0 != first }.map { instances[$0] }
        let second = try await leader(among: rest)
        #expect(ContinuousClock.now - killedAt < .seconds(10))

        // Its lock connection is ended from the server: it steps down at once and ticks no more.
        try await cluster().psql("""
            SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = \(LeaderElectionService.lockKey & 0xFFFF_FFFF) AND granted
            """)
        try await Task.sleep(for: .seconds(3))
        _ = try await leader(among: rest)
        #expect(rest[second].service.log.contains("leader lock lost"), "the old leader says it stopped ticking")

        // Every slot was generated at most once, by whichever instance held it.
        try await Task.sleep(for: .seconds(2))
        let ids = try await messageIDs(rest[0])
        #expect(ids.count >= 3, "the instances ticked: \(ids)")
        #expect(Set(ids).count == ids.count)
        #expect(try await messageIDs(rest[1]) == ids, "every instance reads the same history")
        // A slot generated twice would leave more stored timer ticks than claimed slots.
        let stored = try await cluster().query("SELECT count(*) FROM ticks WHERE trigger = 'timer' AND outcome = 'stored'", database: url)
        let slots = try await cluster().query("SELECT count(*) FROM tick_slots", database: url)
        #expect((Int(slots) ?? 0) > 0 && (Int(stored) ?? .max) <= (Int(slots) ?? 0), "stored \(stored), slots \(slots)")
    }

    /// PostgreSQL stops: every instance keeps serving its last message from memory and says
    /// `degraded`; nobody ticks. It returns: a leader again, and new messages reach every instance.
    @Test func theDatabaseStoppingAndReturningLosesNothingAndRecovers() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        let instances = try await start(2, url: url, workspace: workspace)
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        _ = try await leader(among: instances)
        try await Task.sleep(for: .seconds(2))
        let before = try #require(try await latestID(instances[0]))

        try await cluster().pause()
        try await Task.sleep(for: .seconds(2))
        for instance in instances {
            let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/message")
            #expect(response.status == 200, "the last message is served from memory")
            let health = try await instance.health()
            #expect(health["status"] == .string("degraded") && health["database"]?["ok"] == .bool(false), "\(health)")
            #expect(health["cluster"]?["role"] == .string("standby"), "nobody leads without the database")
        }
        let served = try await latestID(instances[1]) ?? 0
        #expect(served >= before)

        try await cluster().resume()
        _ = try await leader(among: instances, within: 30)
        let deadline = ContinuousClock.now + .seconds(20)
        var ids: [Int] = []
        repeat {
            try await Task.sleep(for: .milliseconds(200))
            ids = []
            for instance in instances { ids.append(try await latestID(instance) ?? 0) }
        } while (ids.min() ?? 0) <= served && ContinuousClock.now < deadline
        #expect((ids.min() ?? 0) > served, "new messages reach every instance again: \(ids), before \(served)")
    }
}
