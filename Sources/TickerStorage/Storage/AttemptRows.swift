import Foundation
import TickerCore

/// The `attempts` table: each provider attempt of every tick as a row of its own (the tick keeps
/// them as JSON too), so that `/api/stats` adds them up in SQL over a window of time. Rows are
/// kept `ticker.stats_retention_days`, independently of the ticks' `retention`.
package enum AttemptRows {
    /// The columns after the id, in the SQL both databases take. `at`: the tick's start, in
    /// seconds since 1970 (buckets are whole multiples of their size from there).
    package static let columns = """
        channel TEXT NOT NULL, provider TEXT NOT NULL, outcome TEXT NOT NULL, error_class TEXT, at BIGINT NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL, latency_bin DOUBLE PRECISION NOT NULL, prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL, cost DOUBLE PRECISION NOT NULL
        """
    package static let index = "CREATE INDEX attempts_at ON attempts (at)"

    /// An insert per attempt of `tick` (not the store's own, `storage`: no provider was asked).
    package static func inserts(_ tick: TickRecord) -> [(sql: String, arguments: [SQLValue])] {
        let at = Int64(tick.startedAt.timeIntervalSince1970.rounded(.down))
        return tick.attempts.filter { $0.provider != "storage" }.map { attempt in
            insertStatement(into: "attempts", [
                ("channel", .text(tick.channel)), ("provider", .text(attempt.provider)), ("outcome", .text(attempt.outcome.rawValue)),
                ("error_class", .text(attempt.errorClass?.rawValue)), ("at", .integer(at)), ("duration_ms", .real(attempt.durationMs)),
                ("latency_bin", .real(latencyBin(attempt.durationMs))),
                ("prompt_tokens", .integer(Int64(attempt.usage?.promptTokens ?? 0))),
                ("completion_tokens", .integer(Int64(attempt.usage?.completionTokens ?? 0))), ("cost", .real(attempt.cost ?? 0)),
            ])
        }
    }

    /// `milliseconds` to two significant figures (347.2 → 350, 0.347 → 0.35): the latency
    /// percentiles of `/api/stats` come from counts of these, so they are off by at most 5 %.
    package static func latencyBin(_ milliseconds: Double) -> Double {
        guard milliseconds > 0, milliseconds.isFinite else { return 0 }
        let scale = Foundation.pow(10, (Foundation.log10(milliseconds)).rounded(.down) - 1)
        return (milliseconds / scale).rounded() * scale
    }

    /// Drops the rows from before `$1` (seconds since 1970).
    package static let prune = "DELETE FROM attempts WHERE at < $1"

    /// What `prune` keeps for `days`, from `now`.
    package static func cutoff(days: Int, now: Date = Date()) -> Int64 {
        Int64(now.timeIntervalSince1970) - Int64(days) * 86_400
    }
}

/// The attempts of one provider for one channel in one bucket and UTC day that ended alike
/// (outcome, error class) within one latency bin, added up by the database: `/api/stats` folds
/// these into its figures, exact for counts, tokens and spend, and percentiles from the bins.
public struct AttemptGroup: Sendable, Equatable {
    package var provider: String
    package var channel: String
    /// The bucket's and the day's starts, in seconds since 1970.
    package var bucket: Int64
    package var day: Int64
    package var outcome: String
    package var errorClass: String?
    package var latencyBin: Double
    package var count: Int
    package var inputTokens: Int
    package var outputTokens: Int
    package var spend: Double
}

extension SQLReading {
    /// Every attempt since `since`, grouped for `/api/stats` by provider, channel, bucket of
    /// `bucket` seconds, UTC day, outcome, error class and latency bin: one pass over the window's
    /// rows through the `at` index.
    package func readAttemptGroups(since: Int64, bucket: Int64) async throws -> [AttemptGroup] {
        try await rows("""
            SELECT provider, channel, (at / $1) * $1 AS b, (at / 86400) * 86400 AS d, outcome, error_class, latency_bin,
                COUNT(*) AS n, SUM(prompt_tokens) AS input, SUM(completion_tokens) AS output, SUM(cost) AS spend
            FROM attempts WHERE at >= $2
            GROUP BY provider, channel, at / $1, at / 86400, outcome, error_class, latency_bin
            """, [.integer(bucket), .integer(since)]) { row in
            AttemptGroup(provider: try row.required(row.text, "provider"), channel: try row.required(row.text, "channel"),
                         bucket: try row.required(row.integer, "b"), day: try row.required(row.integer, "d"),
                         outcome: try row.required(row.text, "outcome"), errorClass: try row.text("error_class"),
                         latencyBin: try row.real("latency_bin") ?? 0, count: Int(try row.required(row.integer, "n")),
                         inputTokens: Int(try row.integer("input") ?? 0), outputTokens: Int(try row.integer("output") ?? 0),
                         spend: try row.real("spend") ?? 0)
        }
    }

    /// What each provider spent for each channel since `since` (the daily budgets).
    package func readSpend(since: Int64) async throws -> [(provider: String, channel: String, spend: Double)] {
        try await rows("SELECT provider, channel, SUM(cost) AS spend FROM attempts WHERE at >= $1 AND cost > 0 GROUP BY provider, channel",
                       [.integer(since)]) { row in
            (try row.required(row.text, "provider"), try row.required(row.text, "channel"), try row.real("spend") ?? 0)
        }
    }
}
