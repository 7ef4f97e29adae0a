import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, check and create plugins.",
        subcommands: [List.self, Validate.self, New.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every plugin: built-in ones and those found in custom_plugin_paths.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let options = common.options
            let plugins = try await reportingErrors {
                try await ConfigurationLoader(sources: options.sources, registry: options.registry).listed().plugins
            }
            print(Table.render(
                header: ["NAME", "VERSION", "SOURCE", "STATUS", "PATH / ERRORS"],
                rows: plugins.listings.map { listing in
                    [listing.name, listing.metadata?.version ?? "-", listing.source, listing.status,
                     listing.errors.isEmpty ? listing.path ?? "" : listing.errors.joined(separator: "; ")]
                }))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a plugin directory: its plugin.json, then a real initialize and health_check.")
        @Argument(help: "The plugin's directory (the one holding plugin.json).")
        var directory: String

        func run() async throws {
            let (name, problems) = await PluginCheck.validate(directory: directory)
            if problems.isEmpty {
                print("\(name ?? directory): valid; initialize and health_check answered")
                return
            }
            print("\(name ?? directory): invalid")
            for problem in problems { print("  \(problem)") }
            throw ExitCode(1)
        }
    }

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a working plugin to start from.")
        @Argument(help: "The plugin's name: lowercase letters, digits, - or _.")
        var name: String
        @Option(help: "python or swift.")
        var language: String = "python"
        @Option(help: "Where to create it.")
        var directory: String = "plugins/custom"

        func run() async throws {
            guard let language = PluginScaffold.Language(rawValue: language) else {
                throw ValidationError("--language must be python or swift")
            }
            do {
                let files = try PluginScaffold.create(name: name, language: language, parent: directory)
                files.forEach { print("created \($0)") }
            } catch let error as PluginScaffold.ScaffoldError {
                throw ValidationError(error.description)
            }
            let path = "\(directory)/\(name)"
            if language == .swift { print("next: (cd \(path) && swift build -c release)") }
            print("next: ai-ticker plugins validate \(path)")
            print(#"then add {"\#(name)": {"plugin": "\#(name)", "priority": 10}} to "plugins" in plugin_config.json"#)
        }
    }
}
