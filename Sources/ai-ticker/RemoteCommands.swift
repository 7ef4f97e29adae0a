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
        let diff = report.diff
        let parts = [("added", diff?.added), ("removed", diff?.removed), ("changed", diff?.changed), ("unchanged", diff?.unchanged)]
            .compactMap { name, ids -> String? in
                guard let ids, !ids.isEmpty else { return nil }
                return "\(name): \(ids.joined(separator: ", "))"
            }
        print(dryRun ? "configuration valid" : "configuration reloaded (\(parts.isEmpty ? "no providers" : parts.joined(separator: "; ")))")
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
