import AITicker
import ArgumentParser
import Foundation
import TickerClient

/// How each provider and channel did over a window, from the running service (GET /api/stats):
/// what the console's Providers view shows, as a table for a terminal at night.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attempts, success rate, latency, tokens, spend and errors per provider and channel (GET /api/stats).",
        discussion: "Spend is in the currency of the entries' prices (price_per_million_input_tokens and …_output_tokens).")
    @OptionGroup var common: CommonOptions
    @Option(help: "How far back: minutes, hours or days (30m, 24h, 7d; at most 90d).")
    var window = "24h"

    func run() async throws {
        let report = try await Remote.send(common) { try await $0.getStats(query: .init(window: window)).ok.body.json }
        for (title, groups) in [("PROVIDER", report.providers), ("CHANNEL", report.channels)] {
            print(Table.render(header: [title, "ATTEMPTS", "SUCCESS", "P50 MS", "P95 MS", "TOKENS IN/OUT", "SPEND", "TODAY/BUDGET", "ERRORS"],
                               rows: groups.map { group in
                let totals = group.totals
                let today = Self.amount(group.spentToday) + (group.dailyBudget.map { " / " + Self.amount($0) } ?? "")
                let errors = group.errors.additionalProperties.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                return [group.name, String(totals.attempts), totals.successRate.map { String(format: "%.1f %%", $0 * 100) } ?? "-",
                        totals.latencyMs.p50.map { String(format: "%.1f", $0) } ?? "-", totals.latencyMs.p95.map { String(format: "%.1f", $0) } ?? "-",
                        "\(totals.inputTokens)/\(totals.outputTokens)", Self.amount(totals.spend), today, errors]
            }))
            print()
        }
        print("window \(window): \(RFC3339.string(from: report.from)) to \(RFC3339.string(from: report.to))")
    }

    static func amount(_ value: Double) -> String { String(format: "%.4g", value) }
}
