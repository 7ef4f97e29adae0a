import Foundation
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerPostgres

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
            (try? await health())?["summary"]?["cluster"]?["role"]?.stringValue
        }
    }

    /// `count` instances on one database, ticking every second (and `channels`, a configuration's
    /// `channels` section, as it says).
    func start(_ count: Int, url: String, workspace: TestWorkspace, environment: [String: String] = [:],
               channels: String = "{}", interval: Int = 1) async throws -> [Instance] {
        try workspace.write("plugin_config.json", #"""
            {"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "tick {uuid}"}}}},
             "ticker": {"interval_seconds": \#(interval), "dedupe_window": 0}, "server": {"port": 0}, "channels": \#(channels)}
            """#)
        var instances: [Instance] = []
        for _ in 0..<count {
            let service = try ServiceProcess(arguments: [], directory: workspace.url,
                                             environment: ["DATABASE_URL": url, "TICKER_ADMIN_TOKEN": adminToken].merging(environment) { $1 })
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
        #expect(refused.status == 503 && refused.body.contains(#""code":"standby""#) && refused.body.contains("stands by"),
                "a standby never ticks: \(refused.body)")

        // What the leader stores reaches a standby's /api/message (served from memory). How fast
        // is a figure of scripts/failover, not a bound here: the suite shares two cores.
        try await Task.sleep(for: .seconds(2))
        let newest = try #require(try await latestID(instances[first]))
        let seen = ContinuousClock.now
        let followed = try await eventually { (try await latestID(standby) ?? 0) >= newest }
        #expect(followed, "the standby followed the leader: \(ContinuousClock.now - seen)")

        // The leader's process dies: its session ends, and with it the lock.
        instances[first].service.signal(SIGKILL)
        let killedAt = ContinuousClock.now
        let rest = instances.indices.filter { $0 != first }.map { instances[$0] }
        let second = try await leader(among: rest)
        print("leader killed: another took over after \(ContinuousClock.now - killedAt)")

        // Its lock connection is ended from the server: it steps down at once and ticks no more.
        try await cluster().psql("""
            SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = \(LeaderElectionService.lockKey & 0xFFFF_FFFF) AND granted
            """)
        #expect(await eventually { rest[second].service.log.contains("leader lock lost") }, "the old leader says it stopped ticking")
        _ = try await leader(among: rest)

        // Every slot was generated at most once, by whichever instance held it.
        try await Task.sleep(for: .seconds(2))
        let ids = try await messageIDs(rest[0])
        #expect(ids.count >= 3, "the instances ticked: \(ids)")
        #expect(Set(ids).count == ids.count)
        // Both tick on: compare two reads taken close together (a busy machine once put a tick between them).
        #expect(try await eventually { try await messageIDs(rest[1]) == messageIDs(rest[0]) }, "every instance reads the same history")
        // A slot generated twice would leave more stored timer ticks than claimed slots.
        let stored = try await cluster().query("SELECT count(*) FROM ticks WHERE trigger = 'timer' AND outcome = 'stored'", database: url)
        let slots = try await cluster().query("SELECT count(*) FROM tick_slots", database: url)
        #expect((Int(slots) ?? 0) > 0 && (Int(stored) ?? .max) <= (Int(slots) ?? 0), "stored \(stored), slots \(slots)")
    }

    /// Channels on several instances: the leader runs every channel's timer and claims each slot
    /// per channel; the standby ticks none of them and serves each channel's newest message.
    @Test func theLeaderTicksEveryChannelAndAStandbyServesEachOfThem() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        let instances = try await start(2, url: url, workspace: workspace, channels: #"""
            {"news": {"prompts": {"system": "s", "user": "news"}, "schedule": {"interval_seconds": 1}},
             "slow": {"prompts": {"system": "s", "user": "slow"}, "schedule": {"interval_seconds": 2}}}
            """#)
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        let first = try await leader(among: instances)
        let standby = instances[1 - first]
        func newest(_ channel: String, on instance: Instance) async throws -> Int? {
            let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/channels/\(channel)/message")
            return try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))["id"]?.doubleValue.map(Int.init)
        }
        for channel in ["default", "news", "slow"] {
            let stored = try await eventually { try await newest(channel, on: instances[first]) != nil }
            #expect(stored, "the leader ticked \(channel)")
            let leaders = try #require(try await newest(channel, on: instances[first]))
            let followed = try await eventually { (try await newest(channel, on: standby) ?? 0) >= leaders }
            #expect(followed, "the standby serves \(channel)'s newest message")
        }
        let refused = try await httpPost("http://127.0.0.1:\(standby.port)/api/channels/news/generate")
        #expect(refused.status == 503 && refused.body.contains(#""code":"standby""#), "a standby never ticks a channel: \(refused.body)")

        // Every slot of every channel was claimed by the leader alone and generated once.
        try await Task.sleep(for: .seconds(2))
        let claimers = try await cluster().query("SELECT count(DISTINCT instance) FROM tick_slots", database: url)
        #expect(claimers == "1", "one instance claimed every slot: \(claimers)")
        let perChannel = try await cluster().query("""
            SELECT string_agg(channel || ':' || n, ',' ORDER BY channel) FROM (SELECT channel, count(*) AS n FROM tick_slots GROUP BY channel) s
            """, database: url)
        #expect(perChannel.split(separator: ",").map { $0.split(separator: ":")[0] } == ["default", "news", "slow"], "slots per channel: \(perChannel)")
        let doubled = try await cluster().query("""
            SELECT count(*) FROM (SELECT channel FROM ticks WHERE trigger = 'timer' AND outcome = 'stored' GROUP BY channel
                HAVING count(*) > (SELECT count(*) FROM tick_slots s WHERE s.channel = ticks.channel)) d
            """, database: url)
        #expect(doubled == "0", "no channel stored more timer ticks than it claimed slots")
    }

    /// A retraction on any instance takes the message off every instance's routes and streams;
    /// an approval on one publishes on all.
    @Test func aRetractionOrAnApprovalOnOneInstanceReachesEveryOther() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        let instances = try await start(2, url: url, workspace: workspace, interval: 3600)
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        let first = try await leader(among: instances)
        let (leading, standby) = (instances[first], instances[1 - first])
        let generated = try await httpPost("http://127.0.0.1:\(leading.port)/api/messages/generate")
        let second = try await httpPost("http://127.0.0.1:\(leading.port)/api/messages/generate")
        let ids = try [generated, second].map { Int(try #require(JSONDecoder().decode(JSONValue.self, from: Data($0.body.utf8))["id"]?.doubleValue)) }
        #expect(try await eventually { try await latestID(standby) == ids[1] }, "the standby follows")

        let retracted = try await httpPost("http://127.0.0.1:\(standby.port)/api/messages/\(ids[1])/retract", body: #"{"reason": "test"}"#)
        #expect(retracted.status == 200, "\(retracted.body)")
        for instance in [standby, leading] {
            #expect(try await eventually { try await latestID(instance) == ids[0] }, "instance on port \(instance.port) switched back")
            let history = try await messageIDs(instance)
            #expect(history.first == ids[0] && !history.contains(ids[1]), "\(history)")
        }

        // Held on the leader (review switched on everywhere), approved on the standby.
        let review = try await httpPost("http://127.0.0.1:\(leading.port)/api/config", body: #"{"guardrails.review": true}"#, method: .PATCH)
        #expect(review.status == 200)
        let held = try await httpPost("http://127.0.0.1:\(leading.port)/api/messages/generate")
        #expect(held.status == 202, "\(held.body)")
        let record = Int(try #require(JSONDecoder().decode(JSONValue.self, from: Data(held.body.utf8))["id"]?.doubleValue))
        let approved = try await httpPost("http://127.0.0.1:\(standby.port)/api/review/\(record)/approve")
        let published = Int(try #require(JSONDecoder().decode(JSONValue.self, from: Data(approved.body.utf8))["message_id"]?.doubleValue))
        for instance in [standby, leading] {
            #expect(try await eventually { try await latestID(instance) == published }, "instance on port \(instance.port) serves the approved message")
        }
    }

    /// PostgreSQL stops: every instance keeps serving its last message from memory and says
    /// `degraded`; nobody ticks. It returns: a leader again, and new messages reach every instance.
    @Test func theDatabaseStoppingAndReturningLosesNothingAndRecovers() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        // Both tell one listener, as systemd on each host would hear its own.
        let listener = try NotifyListener(abstract: true, directory: workspace.url.path)
        let instances = try await start(2, url: url, workspace: workspace, environment: ["NOTIFY_SOCKET": listener.address])
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        _ = try await leader(among: instances)
        #expect(await listener.wait(for: "STATUS=leading"))
        #expect(await listener.wait(for: "STATUS=standing by; the leader is"))
        try await Task.sleep(for: .seconds(2))
        let before = try #require(try await latestID(instances[0]))

        try await cluster().pause()
        try await Task.sleep(for: .seconds(2))
        for instance in instances {
            let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/message")
            #expect(response.status == 200, "the last message is served from memory")
            let channels = try await httpGet("http://127.0.0.1:\(instance.port)/api/channels")
            #expect(channels.status == 200 && channels.body.contains(#""messages":null"#) && channels.body.contains(#""message":{"#),
                    "the channels are listed from memory, their counts unknown: \(channels.body)")
            let health = try await instance.health()
            #expect(health["status"] == .string("degraded") && health["summary"]?["database"]?["ok"] == .bool(false), "\(health)")
            #expect(health["summary"]?["cluster"]?["role"] == .string("standby"), "nobody leads without the database")
        }
        let served = try await latestID(instances[1]) ?? 0
        #expect(served >= before)
        #expect(await listener.wait(for: "STATUS=nobody leads: the database is unreachable"), "\(listener.messages.suffix(5))")
        for instance in instances {
            let paused = await eventually { ((try? await instance.health())?["summary"]?["scheduler"]?["paused_ticks"]?.doubleValue ?? 0) > 0 }
            let health = (try? await instance.health()) ?? .null
            #expect(paused, "timer firings without a leader are counted: \(health)")
            let metrics = try await httpGet("http://127.0.0.1:\(instance.port)/metrics")
            #expect(metrics.body.contains("ai_ticker_ticks_paused_total"))
        }

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

    /// The effective value of `key` in an instance's `/api/config`.
    func setting(_ key: String, of instance: Instance) async throws -> JSONValue? {
        let response = try await httpPost("http://127.0.0.1:\(instance.port)/api/config", method: .GET)
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))
        return body["config"]?.arrayValue.first { $0["key"] == .string(key) }?["value"]
    }

    func providers(of instance: Instance) async throws -> [JSONValue] {
        let response = try await httpGet("http://127.0.0.1:\(instance.port)/api/providers")
        let body = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.utf8))
        let byID = body["providers"]?.objectValue ?? [:]
        return (body["ranking"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { byID[$0] } }
    }

    @Test func overridesReloadsAndHealthResultsReachEveryInstance() async throws {
        let url = try await cluster().database()
        let vendors = [FakeVendor(), FakeVendor()]
        try await vendors[0].run { first in
            try await vendors[1].run { second in
                // Two hosts, each with its own files and its own vendor endpoint, one database.
                var instances: [Instance] = []
                var workspaces: [TestWorkspace] = []
                defer { for instance in instances { instance.service.signal(SIGKILL) } }
                for base in [first, second] {
                    let workspace = try TestWorkspace()
                    try workspace.write("plugin_config.json", """
                        {"plugins": {"v": {"plugin": "openai", "config": {"base_url": "\(base)/v1", "model": "gpt-test"}}},
                         "global_settings": {"health_check_interval": 1}, "server": {"port": 0}}
                        """)
                    let service = try ServiceProcess(arguments: [], directory: workspace.url,
                                                     environment: ["DATABASE_URL": url, "OPENAI_API_KEY": testKey])
                    instances.append(Instance(service: service, port: try await service.port()))
                    workspaces.append(workspace)
                    if instances.count == 1 { #expect(try await leader(among: instances) == 0) }
                }
                let (a, b) = (instances[0], instances[1])
                #expect(try await leader(among: instances) == 0)

                // Only the leader probes; the standby shows the leader's results.
                let shared = await eventually {
                    (try? await providers(of: b).first?["health"]?["status"]) == .string("healthy")
                }
                let shown = try await providers(of: b)
                #expect(shared, "the standby takes the leader's health results: \(shown)")
                #expect(vendors[0].requests.contains { $0.method == "GET" })
                #expect(!vendors[1].requests.contains { $0.method == "GET" }, "a standby never probes")

                // A runtime override set on one instance applies on the other, and a removal too.
                let patched = try await httpPost("http://127.0.0.1:\(a.port)/api/config", body: #"{"ticker.interval_seconds": 77}"#, method: .PATCH)
                #expect(patched.status == 200, "\(patched.body)")
                #expect(await eventually { (try? await setting("ticker.interval_seconds", of: b)) == .number(77) }, "\(b.service.log)")
                let removed = try await httpPost("http://127.0.0.1:\(b.port)/api/config/ticker.interval_seconds", method: .DELETE)
                #expect(removed.status == 200, "\(removed.body)")
                #expect(await eventually { (try? await setting("ticker.interval_seconds", of: a)) != .number(77) })

                // A reload asked of one instance reloads every instance from its own files.
                try workspaces[1].write("plugin_config.json", """
                    {"plugins": {"v": {"plugin": "openai", "config": {"base_url": "\(second)/v1", "model": "gpt-test"}},
                                 "w": {"plugin": "mock"}},
                     "global_settings": {"health_check_interval": 1}, "server": {"port": 0}}
                    """)
                let reloaded = try await httpPost("http://127.0.0.1:\(a.port)/api/providers/reload")
                #expect(reloaded.status == 200, "\(reloaded.body)")
                #expect(await eventually { (try? await providers(of: b).contains { $0["id"] == .string("w") }) == true }, "\(b.service.log)")

                // A change made while an instance is not listening is caught up on its return.
                let name = try #require(try await b.health()["summary"]?["cluster"]?["instance"]?.stringValue)
                try await cluster().psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = left('ai-ticker follower: \(name)', 63)")
                _ = try await httpPost("http://127.0.0.1:\(a.port)/api/config", body: #"{"ticker.interval_seconds": 88}"#, method: .PATCH)
                #expect(await eventually { (try? await setting("ticker.interval_seconds", of: b)) == .number(88) }, "\(b.service.log)")

                // The standby that takes over probes for itself.
                a.service.signal(SIGKILL)
                #expect(await eventually(within: 20) { vendors[1].requests.contains { $0.method == "GET" } }, "the new leader probes")
            }
        }
    }

    /// Three instances behind a real nginx configured as docs/operations.md says: reads go to
    /// every instance, and a manual tick through the proxy reaches the leader, whichever
    /// instance nginx tries first.
    @Test func behindNginxAnyInstanceAnswersAndAManualTickReachesTheLeader() async throws {
        let workspace = try TestWorkspace()
        let url = try await cluster().database()
        let instances = try await start(3, url: url, workspace: workspace)
        defer { for instance in instances { instance.service.signal(SIGKILL) } }
        _ = try await leader(among: instances)
        let servers = { (options: String) in instances.map { "server 127.0.0.1:\($0.port)\(options);" }.joined(separator: " ") }
        let proxy = try TestNginx(workspace: workspace) { listen in """
            upstream ai_ticker { \(servers("")) }
            upstream ai_ticker_ticks { \(servers(" max_fails=0")) }
            server {
                listen 127.0.0.1:\(listen);
                location / {
                    proxy_pass http://ai_ticker;
                    proxy_http_version 1.1;
                    proxy_set_header Host $host;
                }
                location = /api/messages/generate {
                    proxy_pass http://ai_ticker_ticks;
                    proxy_http_version 1.1;
                    proxy_set_header Host $host;
                    proxy_next_upstream error timeout http_503 non_idempotent;
                    proxy_read_timeout 130s;
                }
            }
            """
        }
        defer { proxy.stop() }
        try await proxy.waitUntilUp()
        let base = proxy.base

        for _ in 0..<6 {
            let tick = try await httpPost("\(base)/api/messages/generate")
            #expect(tick.status == 201, "a manual tick through the proxy reaches the leader: \(tick.body)")
        }
        for _ in 0..<9 { #expect(try await httpGet("\(base)/api/message").status == 200) }
        for instance in instances {
            let metrics = try await httpGet("http://127.0.0.1:\(instance.port)/metrics").body
            #expect(metrics.contains(#"ai_ticker_http_requests_total{route="/api/message",method="GET",status="200"}"#),
                    "every instance took reads: \(instance.port)")
        }
    }
}
