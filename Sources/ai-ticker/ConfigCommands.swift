import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TickerClient

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, check or change the configuration.",
        subcommands: [Show.self, Check.self, Set.self, Unset.self, Reset.self], defaultSubcommand: Show.self)

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a runtime override on the running service (PATCH /api/config); it applies at once and survives restarts.",
            discussion: "VALUE is read as JSON when it is JSON (60, true, 0.4, \"text\"), else as text. Only operational knobs can be set.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key, e.g. ticker.interval_seconds or plugins.openrouter.priority.")
        var key: String
        @Argument(help: "The value.")
        var value: String

        func run() async throws {
            let parsed = (try? JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))) ?? .string(value)
            let body = try JSONDecoder().decode(Operations.PatchConfig.Input.Body.JsonPayload.self, from: JSONEncoder().encode([key: parsed]))
            _ = try await Remote.send(common) { try await $0.patchConfig(body: .json(body)).ok }
            print("\(key) = \(Table.text(parsed)) (runtime override)")
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one runtime override on the running service (DELETE /api/config/KEY).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key.")
        var key: String

        func run() async throws {
            _ = try await Remote.send(common) { try await $0.deleteConfig(path: .init(key: key)).ok }
            print("\(key): runtime override removed")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove every runtime override from the database, then reload the running service if there is one.",
            discussion: "Works whether or not the service runs, so overrides an older version stored can always be cleared.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let options = common.options
            let (configuration, removed) = try await withStore(options) { configuration, store in
                let keys = try await store.overrides().keys.sorted()
                try await store.setOverrides(Dictionary(uniqueKeysWithValues: keys.map { ($0, nil) }))
                return (configuration, keys)
            }
            print(removed.isEmpty ? "no runtime overrides were set" : "removed \(removed.count) runtime override(s): \(removed.joined(separator: ", "))")
            do {
                _ = try await AdminClient(configuration: configuration).send { try await $0.reloadProviders().ok }
                print("the running service reloaded its configuration")
            } catch {
                guard error.status == nil else {
                    printError("ai-ticker: the running service did not reload: \(error)")
                    throw ExitCode(1)
                }
                print("no running service answered; the next start uses the configuration without overrides")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the configuration: one line per problem; exit 0 with only warnings, 2 with errors.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let options = common.options
            do {
                let configuration = try await ConfigurationLoader(sources: options.sources, registry: options.registry).listed().configuration
                for warning in configuration.warnings { print("warning: \(warning)") }
                print(configuration.warnings.isEmpty ? "configuration ok" : "configuration ok, \(configuration.warnings.count) warning(s)")
            } catch {
                for issue in error.issues { print("error: \(issue)") }
                throw ExitCode(2)
            }
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every effective configuration value and the layer it came from (the default).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let options = common.options
        let configuration = try await reportingErrors { try await effectiveConfiguration(options) }
        print("# file: \(configuration.configFile)")
        print(Table.render(header: ["KEY", "VALUE", "SOURCE"], rows: configuration.effective.map { [$0.key, Table.text($0.value), $0.source] }))
    }
}
