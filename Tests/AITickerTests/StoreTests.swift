import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerPostgres
@testable import TickerStorage

/// A fresh store of each kind, and a way to open the same database again.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite, postgres

    func open() async throws -> OpenedStore {
        let workspace = try TestWorkspace()
        switch self {
        case .sqlite:
            let path = workspace.path("contract.sqlite")
            return OpenedStore(workspace: workspace, store: try SQLiteMessageStore(path: path)) { try SQLiteMessageStore(path: path) }
        case .postgres:
            let settings = try #require(try PostgresSettings.parse(try await cluster().database()))
            let open: @Sendable () async throws -> any MessageStore = { try await PostgresMessageStore(settings: settings, logger: quietLogger) }
            return OpenedStore(workspace: workspace, store: try await open(), reopen: open)
        }
    }
}

/// A store under test and the directory it may live in, kept until `close`.
struct OpenedStore: Sendable {
    let workspace: TestWorkspace
    let store: any MessageStore
    let reopen: @Sendable () async throws -> any MessageStore

    func close() async {
        await store.close()
        withExtendedLifetime(workspace) {}
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "store-test")
    logger.logLevel = .critical
    return logger
}()

func draft(_ content: String, source: MessageSource = .generated) -> NewMessage {
    NewMessage(content: content, provider: "p1", providerName: "mock", model: "m", usage: Usage(promptTokens: 3, completionTokens: 4),
               finishReason: "stop", responseID: "r", profile: "default", latencyMs: 1.5, createdAt: Date(),
               source: source, attempts: [Attempt(provider: "p1", outcome: .success, durationMs: 1.5)])
}

/// The store contract, run against SQLite and against a private PostgreSQL cluster.
@Suite("Message store contract", .postgres)
struct StoreContractTests {
    @Test(arguments: StoreKind.allCases) func aStoredMessageReadsBackWithItsAttempts(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        let stored = try await store.insert(draft("hello"), retention: 100)
        let read = try await store.message(id: stored.message.id)
        #expect(read.content == "hello")
        #expect(read.usage.totalTokens == 7)
        #expect(read.attempts == [Attempt(provider: "p1", outcome: .success, durationMs: 1.5)])
        #expect(abs(read.createdAt.timeIntervalSince(stored.message.createdAt)) < 0.001)
        #expect(try await store.latest()?.id == stored.message.id)
        #expect(try await store.encodedMessages(limit: 1, before: nil).first?.json == stored.record, "the page serves the record written")
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func anUnknownIDIsNotFound(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        await #expect(throws: StoreError.notFound(42)) { try await store.message(id: 42) }
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func historyPagesNewestFirstWithACursor(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        for index in 1...5 { _ = try await store.insert(draft("m\(index)"), retention: 100) }
        let first = try await store.messages(limit: 2, before: nil)
        #expect(first.map(\.content) == ["m5", "m4"])
        let second = try await store.messages(limit: 2, before: first.last!.id)
        #expect(second.map(\.content) == ["m3", "m2"])
        let encoded = try await store.encodedMessages(limit: 2, before: first.last!.id)
        #expect(try encoded.map { try JSONCoding.decoder.decode(Message.self, from: $0.json) } == second)
        #expect(try await store.messages(after: second.last!.id, limit: 2).map(\.content) == ["m3", "m4"])
        #expect(try await store.recentContents(limit: 3) == ["m5", "m4", "m3"])
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func retentionBoundsTheTable(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        for index in 1...15 { _ = try await store.insert(draft("m\(index)"), retention: 10) }
        let all = try await store.messages(limit: 100, before: nil)
        #expect(all.count == 10)
        #expect(all.last?.content == "m6")
        await opened.close()
    }

    /// Above 100, retention is kept in steps of 1 %: at most `retention + retention / 100`
    /// messages, pruned down to `retention`, and a channel spanning fewer ids is never read for it.
    @Test(arguments: StoreKind.allCases) func aLargeRetentionIsKeptInSteps(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        var counts: [Int] = []
        for index in 1...215 {
            _ = try await store.insert(draft("m\(index)"), retention: 200)
            if index >= 200 { counts.append(try await store.messages(limit: 500, before: nil).count) }
        }
        #expect(counts.max() == 202 && counts.contains(200), "between 200 and 202 kept: \(counts)")
        #expect(try await store.messages(limit: 500, before: nil).last?.content != "m1", "the oldest went first")
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func anEmptyMessageIsRefusedByTheDatabase(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        await #expect(throws: StoreError.self) { try await store.insert(draft("   "), retention: 10) }
        #expect(try await store.latest() == nil)
        #expect(store.isWritable, "a refused row is not a broken database")
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func overridesPersistAndNullRemoves(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        try await store.setOverrides(["ticker.interval_seconds": .number(60), "ticker.prompt_profile": .string("tech")])
        try await store.setOverrides(["ticker.prompt_profile": nil, "ticker.interval_seconds": .number(90)])
        await store.close()
        let reopened = try await opened.reopen()
        #expect(try await reopened.overrides() == ["ticker.interval_seconds": .number(90)])
        await reopened.close()
        withExtendedLifetime(opened) {}
    }

    @Test(arguments: StoreKind.allCases) func theArchiveCandidateIsOlderThanTheNewestShown(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        for index in 1...12 { _ = try await store.insert(draft("m\(index)"), retention: 100) }
        for _ in 0..<20 {
            let candidate = try #require(try await store.archiveCandidate(excludingNewest: 10))
            #expect(candidate.id <= 2)
        }
        await opened.close()
        let few = try await kind.open()
        _ = try await few.store.insert(draft("only"), retention: 100)
        #expect(try await few.store.archiveCandidate(excludingNewest: 10) == nil)
        await few.close()
    }

    @Test(arguments: StoreKind.allCases) func importIsAllOrNothingAndSkipsWhatIsStored(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        _ = try await store.insert(draft("already here"), retention: 100)
        let result = try await store.importMessages(["one", "already here", "two", "one"], profile: "default", retention: 100)
        #expect(result.imported == 2 && result.skipped == 2)
        #expect(try await store.messages(limit: 10, before: nil).map(\.content) == ["two", "one", "already here"])
        await #expect(throws: StoreError.self) { try await store.importMessages(["three", "  "], profile: "default", retention: 100) }
        #expect(try await store.messages(limit: 10, before: nil).count == 3, "nothing of a failed import is kept")
        await opened.close()
    }

    @Test(arguments: StoreKind.allCases) func ticksAreKeptNewestFirstWithinTheirRetention(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        for index in 0..<5 {
            let start = Date(timeIntervalSince1970: 1_700_000_000 + Double(index))
            try await store.recordTick(TickRecord(startedAt: start, finishedAt: start.addingTimeInterval(0.5), trigger: .manual, outcome: .stored,
                                                  messageID: Int64(index), attempts: [Attempt(provider: "p", outcome: .success)]), retention: 3, statsDays: 35)
        }
        let ticks = try await store.recentTicks(limit: 10)
        #expect(ticks.map(\.messageID) == [4, 3, 2])
        #expect(ticks.first?.attempts == [Attempt(provider: "p", outcome: .success)])
        #expect(ticks.first?.startedAt == Date(timeIntervalSince1970: 1_700_000_004))
        #expect(await store.ping())
        await opened.close()
    }

    /// Two channels in one store: each reads, pages, de-duplicates, falls back and prunes within
    /// itself; ids stay one sequence.
    @Test(arguments: StoreKind.allCases) func eachChannelKeepsItsOwnMessagesAndTicks(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        func insert(_ content: String, _ channel: String, retention: Int = 100) async throws -> Int64 {
            var message = draft(content)
            message.channel = channel
            return try await store.insert(message, retention: retention).message.id
        }
        for index in 1...4 {
            _ = try await insert("lobby \(index)", "lobby")
            _ = try await insert("haiku \(index)", "haiku")
        }
        _ = try await insert("default 1", defaultChannel)
        #expect(try await store.latest(channel: "lobby")?.content == "lobby 4")
        #expect(try await store.latest(channel: "haiku")?.channel == "haiku")
        #expect(try await store.latest(channel: "nobody") == nil)
        let lobby = try await store.messages(channel: "lobby", limit: 2, before: nil)
        #expect(lobby.map(\.content) == ["lobby 4", "lobby 3"])
        #expect(try await store.messages(channel: "lobby", limit: 10, before: lobby[1].id).map(\.content) == ["lobby 2", "lobby 1"])
        #expect(try await store.encodedMessages(channel: "haiku", limit: 10, before: nil).count == 4)
        #expect(try await store.messages(channel: "haiku", after: lobby[1].id, limit: 10).map(\.content) == ["haiku 3", "haiku 4"])
        #expect(try await store.recentContents(channel: "haiku", limit: 2) == ["haiku 4", "haiku 3"])
        #expect(try await store.archiveCandidate(channel: "lobby", excludingNewest: 1)?.content.hasPrefix("lobby") == true)
        #expect(try await store.channelCounts() == ["lobby": 4, "haiku": 4, defaultChannel: 1])
        // Retention counts a channel's own messages only.
        _ = try await insert("lobby 5", "lobby", retention: 2)
        #expect(try await store.messages(channel: "lobby", limit: 10, before: nil).map(\.content) == ["lobby 5", "lobby 4"])
        #expect(try await store.messages(channel: "haiku", limit: 10, before: nil).count == 4)
        #expect(try await store.message(id: lobby[0].id).channel == "lobby")

        let start = Date(timeIntervalSince1970: 1_700_000_000)
        for (index, channel) in ["lobby", "haiku", "lobby", "lobby"].enumerated() {
            try await store.recordTick(TickRecord(channel: channel, startedAt: start, finishedAt: start, trigger: .timer, outcome: .stored,
                                                  messageID: Int64(index), attempts: []), retention: 2, statsDays: 35)
        }
        #expect(try await store.recentTicks(channel: "lobby", limit: 10).map(\.messageID) == [3, 2])
        #expect(try await store.recentTicks(channel: "haiku", limit: 10).map(\.channel) == ["haiku"])
        #expect(try await store.recentTicks(channel: nil, limit: 10).map(\.messageID) == [3, 2, 1])
        await opened.close()
    }
}

@Suite("SQLite message store")
struct StoreTests {
    @Test func aRecordOfAnOlderVersionIsRebuiltFromTheColumns() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("v.sqlite")
        let store = try SQLiteMessageStore(path: path)
        let stored = try await store.insert(draft("current shape"), retention: 100).message
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: #"UPDATE messages SET record = '{"id":1,"old":"shape"}', record_version = 0 WHERE id = ?"#, arguments: [stored.id])
        }
        let page = try await store.encodedMessages(limit: 10, before: nil)
        let decoded = try JSONCoding.decoder.decode(Message.self, from: try #require(page.first).json)
        #expect(decoded.id == stored.id && decoded.content == "current shape" && decoded.attempts == stored.attempts)
    }

    @Test func historyPagesAreTheStoredRecordsAndRowsWithoutOneAreEncodedOnTheFly() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("r.sqlite")
        let store = try SQLiteMessageStore(path: path)
        let first = try await store.insert(draft("first"), retention: 100).message
        let second = try await store.insert(draft("second"), retention: 100).message
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE messages SET record = NULL WHERE id = ?", arguments: [first.id]) }
        let page = try await store.encodedMessages(limit: 10, before: nil)
        #expect(page.map(\.id) == [second.id, first.id])
        let decoded = try page.map { try JSONCoding.decoder.decode(Message.self, from: $0.json) }
        #expect(decoded.map(\.content) == ["second", "first"])
        #expect(decoded[1].attempts == first.attempts)
    }

    /// A database of the version before channels keeps its messages, as the default channel's.
    @Test func messagesFromBeforeChannelsBelongToTheDefaultChannel() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("before-channels.sqlite")
        let queue = try DatabaseQueue(path: path)
        try SQLiteMessageStore.migrator.migrate(queue, upTo: "v3: record version")
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO messages (content, provider, provider_name, model, profile, latency_ms, created_at, source, attempts)
                VALUES ('from before', 'p1', 'mock', 'm', 'default', 1, '2026-12-01T08:00:00Z', 'generated', '[]')
                """)
        }
        try queue.close()
        let store = try SQLiteMessageStore(path: path)
        #expect(try await store.latest(channel: defaultChannel)?.content == "from before")
        #expect(try await store.channelCounts() == [defaultChannel: 1])
        await store.close()
    }

    @Test func theFileIsInWALModeWithFullSync() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("wal.sqlite")
        _ = try SQLiteMessageStore(path: path)
        let queue = try DatabaseQueue(path: path)
        let mode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

}

@Suite("PostgreSQL message store", .postgres)
struct PostgresStoreTests {
    @Test func aRecordOfAnOlderShapeIsRebuiltFromTheColumns() async throws {
        let url = try await cluster().database()
        let store = try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse(url)), logger: quietLogger)
        let stored = try await store.insert(draft("current shape"), retention: 100).message
        try await cluster().psql(#"UPDATE messages SET record = '{"id":1,"old":"shape"}', record_version = 0"#, database: try #require(URLComponents(string: url)).path.trimmingCharacters(in: ["/"]))
        let page = try await store.encodedMessages(limit: 10, before: nil)
        let json = String(decoding: try #require(page.first).json, as: UTF8.self)
        #expect(!json.contains(#""old""#), "the stale record is not served: \(json)")
        #expect(json == String(decoding: try JSONCoding.encoder.encode(try await store.message(id: stored.id)), as: UTF8.self))
        await store.close()
    }

    @Test func sharedHealthResultsReadBackAndTheNewestReplacesTheLast() async throws {
        let url = try await cluster().database()
        let store = try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse(url)), logger: quietLogger)
        let checked = try #require(RFC3339.date(from: "2026-12-02T08:00:00Z"))
        try await store.shareHealth([HealthProbe(provider: "a", result: HealthCheckResult(healthy: true, latencyMs: 12.5), checkedAt: checked),
                                     HealthProbe(provider: "b", result: HealthCheckResult(healthy: false, latencyMs: 3, detail: "401 from upstream"), checkedAt: checked)],
                                    by: "host pid 1")
        try await store.shareHealth([HealthProbe(provider: "a", result: HealthCheckResult(healthy: false, latencyMs: 7, detail: "timed out"),
                                                 checkedAt: checked.addingTimeInterval(60))], by: "host pid 2")
        let shared = try await store.sharedHealth().sorted { $0.provider < $1.provider }
        #expect(shared == [HealthProbe(provider: "a", result: HealthCheckResult(healthy: false, latencyMs: 7, detail: "timed out"), checkedAt: checked.addingTimeInterval(60)),
                           HealthProbe(provider: "b", result: HealthCheckResult(healthy: false, latencyMs: 3, detail: "401 from upstream"), checkedAt: checked)])
        await store.close()
    }

    /// Instances starting together: one migrates, the others wait for it and find the tables.
    @Test func instancesOpeningAtOnceMigrateOnce() async throws {
        let settings = try #require(try PostgresSettings.parse(try await cluster().database()))
        let stores = try await withThrowingTaskGroup(of: PostgresMessageStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresMessageStore(settings: settings, logger: quietLogger) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        _ = try await stores[0].insert(draft("from one"), retention: 100)
        #expect(try await stores[3].latest()?.content == "from one")
        for store in stores { await store.close() }
    }

    /// Before it runs (a start, the command line) the store works on one connection, calls taking
    /// turns so that transactions never mix; run as a service, it moves to its pool and closes that
    /// connection; the pool closes when the service group shuts down.
    @Test func theStoreWorksOnItsStartConnectionUntilItRunsAsAServiceThenOnItsPool() async throws {
        let url = try await cluster().database()
        let store = try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse(url)), logger: quietLogger)
        // Refused rows beside good ones, all at once: sharing one transaction, a refused row would
        // take the good ones down with it.
        let stored = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<4 { group.addTask { (try? await store.insert(draft(n.isMultiple(of: 2) ? "  " : "at once \(n)"), retention: 100)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(stored == 2)
        #expect(try await store.messages(limit: 10, before: nil).map(\.content).sorted() == ["at once 1", "at once 3"])
        @Sendable func connections(_ purpose: String) async throws -> Int {
            let name = try #require(URLComponents(string: url)?.path.trimmingCharacters(in: ["/"]))
            return Int(try await cluster().query("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(name)' AND application_name LIKE 'ai-ticker \(purpose):%'",
                                                 database: url)) ?? -1
        }
        #expect(try await connections("start") == 1)
        #expect(try await connections("pool") == 0)

        let group = ServiceGroup(configuration: .init(services: [store], logger: quietLogger))
        let running = Task { try await group.run() }
        #expect(try await eventually { try await connections("start") == 0 })
        #expect(try await store.latest()?.content.hasPrefix("at once") == true)
        #expect(try await connections("pool") >= 1)
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await eventually { try await connections("pool") == 0 })
        await store.close()
    }

    @Test func passwordAuthenticationOverTCPAndAClearErrorWithoutThePassword() async throws {
        let url = try await cluster().database(tcp: true)
        let store = try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse(url)), logger: quietLogger)
        #expect(await store.ping())
        await store.close()
        let wrong = url.replacingOccurrences(of: try cluster().password, with: "not-the-password-4711")
        let error = await #expect(throws: StoreError.self) {
            try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse(wrong)), logger: quietLogger)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("postgres://postgres@127.0.0.1:\(try cluster().port)/"), "names the server: \(text)")
        #expect(!text.contains("not-the-password-4711"))
    }

    @Test func aServerThatIsNotThereFailsWithinTheCallTimeout() async throws {
        let port = try freeLoopbackPort()
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await PostgresMessageStore(settings: try #require(try PostgresSettings.parse("postgres://u:p@127.0.0.1:\(port)/x?sslmode=disable")), logger: quietLogger)
        }
        #expect(ContinuousClock.now - started < .seconds(PostgresMessageStore.callTimeout + 5))
    }
}

@Suite("database.url")
struct DatabaseURLTests {
    @Test func urlsAreReadAsLibpqReadsThem() throws {
        let tcp = try #require(try PostgresSettings.parse("postgresql://ticker:s%40cret@db.example:6432/ticks?sslmode=verify-full&sslrootcert=/etc/ca.pem"))
        #expect(tcp == PostgresSettings(host: "db.example", port: 6432, socketPath: nil, user: "ticker", password: "s@cret", database: "ticks",
                                        tls: .verifyFull, rootCertificate: "/etc/ca.pem"))
        #expect(tcp.display == "postgres://ticker@db.example:6432/ticks")
        let socket = try #require(try PostgresSettings.parse("postgres:///ticks?host=/run/postgresql"))
        #expect(socket.socketPath == "/run/postgresql/.s.PGSQL.5432" && socket.user == "postgres" && socket.tls == .disable)
        #expect(try PostgresSettings.parse("postgres://h/db")?.tls == .prefer)
        #expect(try PostgresSettings.parse("ticker.sqlite") == nil)
    }

    @Test func aBadURLNamesWhatIsWrongAndNeverThePassword() throws {
        let workspace = try TestWorkspace()
        for (url, reason) in [("mysql://u:pw@h/db", "only postgres:// URLs"), ("postgres://u:pw@h:99999/db", "is not a port number"),
                              ("postgres://u:pw@h/db?sslmode=maybe", "sslmode \"maybe\""), ("postgres://u:pw@h/db?colour=red", "unknown URL parameter \"colour\"")] {
            let error = #expect(throws: ConfigurationError.self) { try workspace.load(environment: ["DATABASE_URL": url]) }
            let text = error?.description ?? ""
            #expect(text.contains("DATABASE_URL") && text.contains(reason), "\(text)")
            #expect(!text.contains("pw"), "\(text)")
        }
    }

    @Test func thePasswordComesFromAFileWhenTheURLHasNone() throws {
        let workspace = try TestWorkspace()
        try workspace.write("db_password", "from-the-file\n")
        let configuration = try workspace.load(environment: ["DATABASE_URL": "postgres://ticker@db/ticks", "DATABASE_PASSWORD_FILE": workspace.path("db_password")])
        #expect(configuration.postgres?.password == "from-the-file")
        #expect(configuration.effective.first { $0.key == "database.url" }?.value == .string("***"))
        #expect(configuration.redactor.redact("oops from-the-file") == "oops ***")
    }
}
