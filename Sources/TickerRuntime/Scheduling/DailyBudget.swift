import Foundation
import TickerConfig
import TickerCore
import TickerProviders
import TickerStorage

/// The daily budgets (`config.daily_budget` of an entry, `daily_budget` of a channel): what was
/// spent since the start of the UTC day, from the `attempts` table, against each budget. An entry
/// over its own budget is skipped for every channel; a channel over its budget asks only the
/// entries without a price. Either way until the next UTC day.
enum DailyBudget {
    /// The start of `now`'s UTC day, in seconds since 1970.
    static func dayStart(_ now: Date) -> Int64 {
        let seconds = Int64(now.timeIntervalSince1970)
        return seconds - seconds % 86_400
    }

    /// `candidates` without those over a budget, and a skipped attempt saying why for each of those.
    /// Nil spend (the database could not say) skips nobody: a budget is no reason to stop the ticker.
    static func apply(_ candidates: [Candidate], spend: [(provider: String, channel: String, spend: Double)]?,
                      channel: ChannelConfiguration, entries: [ProviderEntry]) -> (kept: [Candidate], skipped: [Attempt]) {
        guard let spend else { return (candidates, []) }
        let channelSpent = spend.filter { $0.channel == channel.name }.reduce(0) { $0 + $1.spend }
        var kept: [Candidate] = [], skipped: [Attempt] = []
        for candidate in candidates {
            let entry = entries.first { $0.id == candidate.id }
            let spent = spend.filter { $0.provider == candidate.id }.reduce(0) { $0 + $1.spend }
            if let budget = entry?.dailyBudget, spent >= budget {
                skipped.append(Attempt(provider: candidate.id, outcome: .skipped, errorClass: .budget,
                                       detail: "daily budget of \(amount(budget)) spent (\(amount(spent)) since 00:00 UTC); asked again tomorrow"))
            } else if let budget = channel.dailyBudget, channelSpent >= budget, entry?.pricing != nil {
                skipped.append(Attempt(provider: candidate.id, outcome: .skipped, errorClass: .budget,
                                       detail: "channel \(channel.name)'s daily budget of \(amount(budget)) spent (\(amount(channelSpent)) since 00:00 UTC); "
                                           + "only providers without a price are asked until tomorrow"))
            } else {
                kept.append(candidate)
            }
        }
        return (kept, skipped)
    }

    /// Whether any budget applies to `channel`'s tick (else the database is not asked).
    static func applies(to channel: ChannelConfiguration, entries: [ProviderEntry]) -> Bool {
        channel.dailyBudget != nil || entries.contains { $0.dailyBudget != nil }
    }

    static func amount(_ value: Double) -> String { String(format: "%.4g", value) }
}
