import Foundation
import Hummingbird
import TickerConfig
import TickerCore
import TickerRuntime
import TickerStorage

/// `GET /api/stats?window=24h&bucket=1h` (admin): attempts, successes, latency percentiles, tokens,
/// spend and errors by class per provider entry and per channel, over the window, per bucket and
/// per UTC day, from one grouped read of the `attempts` table (`AttemptRows`).
package struct StatsController {
    let store: any MessageStore
    let configuration: LiveConfiguration

    package init(store: any MessageStore, configuration: LiveConfiguration) {
        self.store = store
        self.configuration = configuration
    }

    /// The longest window, and the most buckets one answer holds.
    static let maxWindow = 90 * 86_400
    static let maxBuckets = 1_440

    package func register(on table: RouteTable) {
        table.add(.get, "/api/stats", admin: true) { request, _ in
            let query = request.uri.queryParameters
            let window = try Self.seconds(query.get("window") ?? "24h", name: "window")
            let bucket = try Self.seconds(query.get("bucket") ?? (window <= 2 * 86_400 ? "1h" : "1d"), name: "bucket")
            guard window <= Self.maxWindow else { throw APIError.badRequest("window must be at most 90d") }
            guard bucket <= window, window / bucket <= Self.maxBuckets else {
                throw APIError.badRequest("bucket must be at most the window and give at most \(Self.maxBuckets) buckets (window \(window) s, bucket \(bucket) s)")
            }
            return Response.json(try await report(window: window, bucket: bucket, now: Date()))
        }
    }

    /// `30m`, `24h`, `7d` (1 minute at least) as seconds.
    static func seconds(_ text: some StringProtocol, name: String) throws -> Int {
        let units: [Character: Int] = ["m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count > 0, count <= 100_000 else {
            throw APIError.badRequest("\(name) must be a number of minutes, hours or days such as 30m, 24h or 7d")
        }
        return count * unit
    }

    func report(window: Int, bucket: Int, now: Date) async throws -> StatsReport {
        let config = configuration.value
        let since = Int64(now.timeIntervalSince1970) - Int64(window)
        let groups = try await store.attemptGroups(since: since, bucket: Int64(bucket))
        let spentToday = try await store.spend(since: Int64(now.timeIntervalSince1970) / 86_400 * 86_400)
        var report = StatsReport(windowSeconds: window, bucketSeconds: bucket, from: RFC3339.string(from: Date(timeIntervalSince1970: TimeInterval(since))),
                                 to: RFC3339.string(from: now))
        for byProvider in [true, false] {
            var tallies: [String: (totals: Tally, buckets: [Int64: Tally], days: [Int64: Tally], errors: [String: Int])] = [:]
            for group in groups {
                let name = byProvider ? group.provider : group.channel
                tallies[name, default: (Tally(), [:], [:], [:])].totals.add(group)
                tallies[name]!.buckets[group.bucket, default: Tally()].add(group)
                if byProvider { tallies[name]!.days[group.day, default: Tally()].add(group) }
                if let errorClass = group.errorClass { tallies[name]!.errors[errorClass, default: 0] += group.count }
            }
            let configured = byProvider ? config.providers.map(\.id) : config.channels.map(\.name)
            let names = configured + Set(tallies.keys).subtracting(configured).sorted()
            let entries = names.map { name in
                let tally = tallies[name] ?? (Tally(), [:], [:], [:])
                let entry = config.providers.first { $0.id == name }
                let figures = { (tallies: [Int64: Tally]) in tallies.sorted { $0.key < $1.key }.map { StatsReport.Figures($0.value, start: $0.key) } }
                return StatsReport.Group(
                    name: name, totals: .init(tally.totals, start: nil), errors: tally.errors, buckets: figures(tally.buckets),
                    days: byProvider ? figures(tally.days) : nil, priced: byProvider ? entry?.pricing != nil : nil,
                    dailyBudget: byProvider ? entry?.dailyBudget : config.channels.first { $0.name == name }?.dailyBudget,
                    spentToday: spentToday.filter { (byProvider ? $0.provider : $0.channel) == name }.reduce(0) { $0 + $1.spend })
            }
            if byProvider { report.providers = entries } else { report.channels = entries }
        }
        return report
    }
}

/// Attempts added up: counts, tokens and spend exactly, the successes' durations as counts per
/// latency bin (`AttemptRows.latencyBin`).
struct Tally {
    var successes = 0, failures = 0, rejected = 0, skipped = 0
    var inputTokens = 0, outputTokens = 0
    var spend = 0.0
    var latencies: [Double: Int] = [:]

    mutating func add(_ group: AttemptGroup) {
        switch group.outcome {
        case Attempt.Outcome.success.rawValue:
            successes += group.count
            latencies[group.latencyBin, default: 0] += group.count
        case Attempt.Outcome.rejected.rawValue: rejected += group.count
        case Attempt.Outcome.skipped.rawValue: skipped += group.count
        default: failures += group.count
        }
        inputTokens += group.inputTokens
        outputTokens += group.outputTokens
        spend += group.spend
    }

    /// The nearest-rank percentile `share` (0–1) of the successes' durations; nil without one.
    func percentile(_ share: Double) -> Double? {
        let rank = Int((share * Double(successes)).rounded(.up))
        var seen = 0
        for (bin, count) in latencies.sorted(by: { $0.key < $1.key }) {
            seen += count
            if seen >= rank { return bin }
        }
        return nil
    }
}

/// The answer of `/api/stats` (the contract's `StatsReport`).
struct StatsReport: Encodable {
    var windowSeconds: Int
    var bucketSeconds: Int
    var from: String
    var to: String
    var providers: [Group] = []
    var channels: [Group] = []

    struct Group: Encodable {
        var name: String
        var totals: Figures
        /// Failed, rejected and skipped attempts by error class.
        var errors: [String: Int]
        /// Buckets with at least one attempt, oldest first.
        var buckets: [Figures]
        /// Providers only: each UTC day of the window (for spend per day).
        var days: [Figures]?
        var priced: Bool?
        var dailyBudget: Double?
        var spentToday: Double

        enum CodingKeys: String, CodingKey {
            case name, totals, errors, buckets, days, priced, dailyBudget = "daily_budget", spentToday = "spent_today"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(totals, forKey: .totals)
            try container.encode(errors, forKey: .errors)
            try container.encode(buckets, forKey: .buckets)
            try container.encodeIfPresent(days, forKey: .days)
            try container.encodeIfPresent(priced, forKey: .priced)
            try container.encode(dailyBudget, forKey: .dailyBudget)
            try container.encode(spentToday, forKey: .spentToday)
        }
    }

    struct Figures: Encodable {
        /// The bucket's start (absent in totals).
        var start: String?
        var attempts: Int
        var successes: Int
        var failures: Int
        var rejected: Int
        var skipped: Int
        var successRate: Double?
        var latencyMs: Latency
        var inputTokens: Int
        var outputTokens: Int
        var spend: Double

        struct Latency: Encodable {
            var p50: Double?
            var p95: Double?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(p50, forKey: .p50)
                try container.encode(p95, forKey: .p95)
            }

            enum CodingKeys: String, CodingKey { case p50, p95 }
        }

        init(_ tally: Tally, start: Int64?) {
            self.start = start.map { RFC3339.string(from: Date(timeIntervalSince1970: TimeInterval($0))) }
            (successes, failures, rejected, skipped) = (tally.successes, tally.failures, tally.rejected, tally.skipped)
            attempts = successes + failures + rejected
            successRate = attempts == 0 ? nil : Double(successes) / Double(attempts)
            latencyMs = Latency(p50: tally.percentile(0.5), p95: tally.percentile(0.95))
            (inputTokens, outputTokens, spend) = (tally.inputTokens, tally.outputTokens, tally.spend)
        }

        enum CodingKeys: String, CodingKey {
            case start, attempts, successes, failures, rejected, skipped, successRate = "success_rate", latencyMs = "latency_ms"
            case inputTokens = "input_tokens", outputTokens = "output_tokens", spend
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(start, forKey: .start)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(successes, forKey: .successes)
            try container.encode(failures, forKey: .failures)
            try container.encode(rejected, forKey: .rejected)
            try container.encode(skipped, forKey: .skipped)
            try container.encode(successRate, forKey: .successRate)
            try container.encode(latencyMs, forKey: .latencyMs)
            try container.encode(inputTokens, forKey: .inputTokens)
            try container.encode(outputTokens, forKey: .outputTokens)
            try container.encode(spend, forKey: .spend)
        }
    }

    enum CodingKeys: String, CodingKey {
        case windowSeconds = "window_seconds", bucketSeconds = "bucket_seconds", from, to, providers, channels
    }
}
