import Foundation
import GRDB
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerHTTP
@testable import TickerPostgres
@testable import TickerStorage

/// `/api/stats`, spend and daily budgets: attempts added up by the database, on both stores.
@Suite("Stats, spend and budgets")
struct StatsTests {
    static func attempt(_ provider: String, _ outcome: Attempt.Outcome, ms: Double, error: ErrorClass? = nil, tokens: (Int, Int) = (0, 0),
                        cost: Double? = nil) -> Attempt {
        var attempt = Attempt(provider: provider, outcome: outcome, errorClass: error, durationMs: ms)
        if tokens != (0, 0) { attempt.usage = Usage(promptTokens: tokens.0, completionTokens: tokens.1) }
        attempt.cost = cost
        return attempt
    }

    /// 20 successes of `a` at 1…20 ms in the first hour, two failures and a skip of `b`, one in a
    /// second hour and channel; nearest-rank p50 of 1…20 is 10, p95 is 19.
    static func record(_ store: any MessageStore, hour: Int64) async throws {
        let start = Date(timeIntervalSince1970: TimeInterval(hour))
        for ms in 1...20 {
            let attempts = ms <= 2 ? [attempt("b", .failure, ms: 5000, error: .timeout), attempt("a", .success, ms: Double(ms), tokens: (100, 10), cost: 0.5)]
                : [attempt("a", .success, ms: Double(ms), tokens: (100, 10), cost: 0.5)]
            try await store.recordTick(TickRecord(startedAt: start.addingTimeInterval(Double(ms)), finishedAt: start, trigger: .timer, outcome: .stored,
                                                  attempts: attempts), retention: 1000, statsDays: 3660)
        }
        try await store.recordTick(TickRecord(channel: "lobby", startedAt: start.addingTimeInterval(3600), finishedAt: start, trigger: .timer, outcome: .stored,
                                              attempts: [attempt("b", .skipped, ms: 0, error: .cooldown), attempt("a", .success, ms: 7, tokens: (50, 5), cost: 0.25),
                                                         attempt("storage", .failure, ms: 0, error: .storage)]), retention: 1000, statsDays: 3660)
    }

    @Test func theRouteAnswersPerProviderAndChannelAndRefusesNonsense() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"m": {"plugin": "mock", "priority": 1, "config": {"price_per_million_input_tokens": 2, "price_per_million_output_tokens": 8}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            for _ in 0..<3 { _ = await services.ticks.tick(trigger: .manual) }
            let api = ContractTests.client(port: http.port!)
            let report = try await api.getStats(query: .init(window: "2h", bucket: "30m")).ok.body.json
            #expect(report.windowSeconds == 7200 && report.bucketSeconds == 1800)
            let m = try #require(report.providers.first { $0.name == "m" })
            #expect(m.totals.successes == 3 && m.totals.attempts == 3 && m.priced == true && m.buckets.count == 1)
            let usages = try await services.store.messages(limit: 10, before: nil).map(\.usage)
            let expected = usages.reduce(0.0) { $0 + Double($1.promptTokens * 2 + $1.completionTokens * 8) / 1e6 }
            #expect(expected > 0 && abs(m.totals.spend - expected) < 1e-12 && abs(m.spentToday - expected) < 1e-12, "\(m.totals.spend) \(expected)")
            #expect(m.totals.inputTokens == usages.reduce(0) { $0 + $1.promptTokens })
            #expect(m.totals.latencyMs.p50 != nil && m.days?.count == 1)
            #expect(report.channels.map(\.name) == ["default"] && report.channels.first?.totals.successes == 3)
            for (window, bucket) in [("0h", "1h"), ("24x", "1h"), ("91d", "1d"), ("1h", "2h"), ("30d", "1m"), ("-1h", "1m")] {
                #expect(try await api.getStats(query: .init(window: window, bucket: bucket)).badRequest.body.json.error.code == .badRequest, "\(window) \(bucket)")
            }
            _ = try await ContractTests.client(port: http.port!, headers: [:]).getStats().unauthorized
            let metrics = try await rawHTTP(port: http.port!, "GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n").text
            #expect(metrics.contains(#"ai_ticker_tokens_total{provider="m",kind="input"} 30"#) && metrics.contains(#"ai_ticker_spend_total{provider="m"}"#)
                    && metrics.contains(#"ai_ticker_spend_today{provider="m"}"#), "\(metrics.suffix(800))")
        }
    }

    /// An entry over its budget is skipped with the reason; a channel over its budget asks only
    /// entries without a price.
    @Test func aSpentBudgetSkipsUntilTheNextDay() async throws {
        let workspace = try TestWorkspace()
        let config = #"{"plugins": {"paid": {"plugin": "mock", "priority": 1, "config": {"price_per_million_input_tokens": 1000000, "daily_budget": 25}},"#
            + #""free": {"plugin": "mock", "priority": 2}}, "ticker": {"dedupe_window": 0}, "channels": {"lobby": {"daily_budget": 5}}}"#
        try await workspace.withApp(config: config) { services, _, _ in
            // Each answer of `paid` costs 10 (10 prompt tokens at a million a million).
            for expected in ["paid", "paid", "paid", "free"] {
                guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
                #expect(message.provider == expected)
                if expected == "free" {
                    let skipped = try #require(message.attempts.first)
                    #expect(skipped.provider == "paid" && skipped.outcome == .skipped && skipped.errorClass == .budget
                            && skipped.detail?.contains("daily budget of 25 spent (30 since 00:00 UTC)") == true, "\(skipped)")
                }
            }
            // The lobby's own budget (5) is spent by nothing yet: but `paid` is over its own.
            guard case .stored(let lobby) = await services.ticks.tick(channel: "lobby", trigger: .manual) else { Issue.record("no lobby message"); return }
            #expect(lobby.provider == "free")
        }
        let second = try TestWorkspace()
        let channelOnly = #"{"plugins": {"paid": {"plugin": "mock", "priority": 1, "config": {"price_per_million_input_tokens": 1000000}},"#
            + #""free": {"plugin": "mock", "priority": 2}}, "ticker": {"dedupe_window": 0}, "channels": {"lobby": {"daily_budget": 5}}}"#
        try await second.withApp(config: channelOnly) { services, _, _ in
            var providers: [String] = []
            for _ in 0..<2 {
                if case .stored(let message) = await services.ticks.tick(channel: "lobby", trigger: .manual) { providers.append(message.provider) }
            }
            #expect(providers == ["paid", "free"])
            if case .stored(let message) = await services.ticks.tick(trigger: .manual) { #expect(message.provider == "paid", "the default channel has no budget") }
        }
    }

    /// Migration v6 fills the attempts table from the ticks an older database kept.
    @Test func theMigrationFillsAttemptsFromTheTicksKept() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("old.sqlite")
        let hour: Int64 = (Int64(Date().timeIntervalSince1970) / 3600 - 2) * 3600
        do {
            let store = try SQLiteMessageStore(path: path)
            try await Self.record(store, hour: hour)
            await store.close()
        }
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE attempts; DELETE FROM grdb_migrations WHERE identifier = 'v6: attempts'")
        }
        try queue.close()
        let store = try SQLiteMessageStore(path: path)
        let totals = StatsStoreTests.fold(try await store.attemptGroups(since: hour - 1, bucket: 3600), whole: true)
        #expect(totals["a"]?.successes == 21 && totals["a"]?.percentile(0.5) == 10 && totals["b"]?.failures == 2, "\(totals)")
        await store.close()
    }
}

/// The stats reads of both stores.
@Suite("Stats in the store", .postgres)
struct StatsStoreTests {
    /// Migration v6 on PostgreSQL fills the attempts table from the ticks kept, as on SQLite.
    @Test func thePostgresMigrationFillsAttemptsFromTheTicksKept() async throws {
        let url = try await cluster().database()
        let settings = try #require(try PostgresSettings.parse(url))
        let hour: Int64 = (Int64(Date().timeIntervalSince1970) / 3600 - 2) * 3600
        let first = try await PostgresMessageStore(settings: settings, logger: quietLogger)
        try await StatsTests.record(first, hour: hour)
        await first.close()
        _ = try await cluster().query("DROP TABLE attempts; DELETE FROM ai_ticker_migrations WHERE name = 'v6: attempts';", database: url)
        let store = try await PostgresMessageStore(settings: settings, logger: quietLogger)
        let totals = Self.fold(try await store.attemptGroups(since: hour - 1, bucket: 3600), whole: true)
        #expect(totals["a"]?.successes == 21 && totals["a"]?.percentile(0.5) == 10 && totals["b"]?.failures == 2 && totals["b"]?.skipped == 1, "\(totals)")
        await store.close()
    }

    /// The groups folded by provider (or channel) and bucket, as `/api/stats` does.
    static func fold(_ groups: [AttemptGroup], byProvider: Bool = true, whole: Bool = false) -> [String: Tally] {
        var tallies: [String: Tally] = [:]
        for group in groups { tallies["\(byProvider ? group.provider : group.channel)\(whole ? "" : " \(group.bucket)")", default: Tally()].add(group) }
        return tallies
    }

    @Test(arguments: StoreKind.allCases) func attemptsAreAddedUpByTheDatabase(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        let hour: Int64 = (Int64(Date().timeIntervalSince1970) / 3600 - 5) * 3600
        try await StatsTests.record(store, hour: hour)
        let groups = try await store.attemptGroups(since: hour - 1, bucket: 3600)
        #expect(!groups.contains { $0.provider == "storage" }, "the store's own attempts are no provider's")
        #expect(Set(groups.map(\.day)) == [hour / 86_400 * 86_400, (hour + 3600) / 86_400 * 86_400])
        let buckets = Self.fold(groups)
        let first = try #require(buckets["a \(hour)"]), second = try #require(buckets["a \(hour + 3600)"])
        #expect(first.successes == 20 && first.percentile(0.5) == 10 && first.percentile(0.95) == 19 && first.inputTokens == 2000 && first.outputTokens == 200)
        #expect(first.spend == 10 && second.successes == 1 && second.percentile(0.5) == 7 && second.spend == 0.25)
        let b = try #require(buckets["b \(hour)"]), bLater = try #require(buckets["b \(hour + 3600)"])
        #expect(b.failures == 2 && b.percentile(0.5) == nil && bLater.skipped == 1 && bLater.failures == 0)
        let channels = Self.fold(groups, byProvider: false, whole: true)
        #expect(channels["default"]?.successes == 20 && channels["default"]?.failures == 2 && channels["lobby"]?.skipped == 1
                && channels["lobby"]?.percentile(0.95) == 7)
        let errors = groups.filter { $0.errorClass != nil }.map { "\($0.provider) \($0.errorClass!) \($0.count)" }
        #expect(Set(errors) == ["b timeout 2", "b cooldown 1"])
        let spend = try await store.spend(since: hour - 1)
        #expect(Set(spend.map { "\($0.provider) \($0.channel) \($0.spend)" }) == ["a default 10.0", "a lobby 0.25"])
        // A window that starts after the first hour leaves it out.
        #expect(Set(try await store.attemptGroups(since: hour + 3600, bucket: 3600).map(\.bucket)) == [hour + 3600])
        await opened.close()
    }
}

@Suite("Latency bins")
struct LatencyBinTests {
    @Test func durationsAreKeptToTwoSignificantFigures() {
        for (duration, bin) in [(347.2, 350.0), (0.347, 0.35), (1234, 1200), (99.4, 99), (99.6, 100), (5, 5), (0, 0), (-3, 0)] {
            #expect(abs(AttemptRows.latencyBin(duration) - bin) < 1e-9, "\(duration)")
        }
    }
}
