import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TickerClient

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the running service re-read its configuration and rebuild providers (POST /api/providers/reload).",
        discussion: "Finds the service and its admin token from the same configuration, as `systemctl reload` does with SIGHUP.")
    @OptionGroup var common: CommonOptions
    @Flag(name: .customLong("dry-run"), help: "Only validate the configuration the service would load.")
    var dryRun = false

    func run() async throws {
        let report = try await Remote.send(common) { try await $0.reloadProviders(query: .init(dryRun: dryRun)).ok.body.json }
        let providers = Self.lines(["added": report.diff?.added, "removed": report.diff?.removed, "changed": report.diff?.changed,
                                    "unchanged": report.diff?.unchanged], prefix: "")
        let channels = Self.lines(["added": report.channels?.added, "removed": report.channels?.removed, "changed": report.channels?.changed],
                                  prefix: "channels ")
        let parts = (providers.isEmpty ? ["no providers"] : providers) + channels
        print(dryRun ? "configuration valid" : "configuration reloaded (\(parts.joined(separator: "; ")))")
    }

    /// `added: a, b` for each non-empty list, in the order added, removed, changed, unchanged.
    private static func lines(_ lists: [String: [String]?], prefix: String) -> [String] {
        ["added", "removed", "changed", "unchanged"].compactMap { name in
            guard let names = lists[name] ?? nil, !names.isEmpty else { return nil }
            return "\(prefix)\(name): \(names.joined(separator: ", "))"
        }
    }
}

/// Sends an admin request to the service this configuration describes, printing its error.
enum Remote {
    static func send<T>(_ common: CommonOptions, _ call: (Client) async throws -> T) async throws -> T {
        let options = common.options
        let configuration = try await reportingErrors {
            try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
        }
        do {
            return try await AdminClient(configuration: configuration).send(call)
        } catch {
            printError("ai-ticker: \(error)")
            if case .object(let fields)? = error.body {
                // The message already lists configuration issues; attempts say why no message came.
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) where name == "attempts" {
                    let lines = if case .array(let items) = value { items.map(Table.summary) } else { [Table.text(value)] }
                    printError("  \(name):\n\(lines.map { "    \(MessageText.visible($0))" }.joined(separator: "\n"))")
                }
            }
            throw ExitCode(error.status == 422 ? 2 : 1)
        }
    }
}
