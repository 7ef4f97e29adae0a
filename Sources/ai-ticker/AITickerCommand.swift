import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

@main
struct AITickerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ai-ticker",
        abstract: "Keeps an AI-generated ticker message fresh and serves it over REST.",
        subcommands: [Serve.self, Generate.self, Reload.self, Providers.self, Plugins.self, Config.self, Messages.self, Import.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares; they map onto configuration keys above the environment.
struct CommonOptions: ParsableArguments {
    @Option(help: "Path of plugin_config.json (default: $PLUGIN_CONFIG_FILE or ./plugin_config.json).")
    var config: String?
    @Option(name: .customLong("env-file"), help: "Path of the .env file (default: ./.env when present).")
    var envFile: String?
    @Option(help: "SQLite database path (database.path).")
    var db: String?
    @Option(help: "Address to bind (server.host).")
    var host: String?
    @Option(help: "Port to bind, 0 for any free port (server.port).")
    var port: Int?

    var options: TickerOptions {
        var commandLine: [String: JSONValue] = [:]
        if let db { commandLine["database.path"] = .string(db) }
        if let host { commandLine["server.host"] = .string(host) }
        if let port { commandLine["server.port"] = .number(Double(port)) }
        let logFile = processLogFile  // first: the options' logger must be made after the bootstrap
        var options = TickerOptions(sources: ConfigurationSources(configFile: config, envFile: envFile, commandLine: commandLine))
        options.logFile = logFile
        return options
    }
}

/// Where `logging.file` lines go. The log system is set up here, once per process, the first time
/// a command reads its options (swift-log allows one bootstrap; a global is initialised once).
let processLogFile: LogFile = {
    let file = LogFile()
    LoggingSystem.bootstrap { label in
        MultiplexLogHandler([StreamLogHandler.standardError(label: label), FileLogHandler(label: label, file: file)])
    }
    return file
}()

/// Runs `body`, turning configuration and storage errors into a clear message and exit code 2.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        printError("ai-ticker: invalid configuration:\n\(error.issues.map { "  \(MessageText.visible("\($0)"))" }.joined(separator: "\n"))")
        throw ExitCode(2)
    } catch let error as StoreError {
        printError("ai-ticker: \(error)")
        throw ExitCode(2)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service: timer, providers and REST API (the default).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let options = common.options
        // A write past RLIMIT_FSIZE must fail with EFBIG (reported as storage unavailable)
        // rather than kill the process.
        signal(SIGXFSZ, SIG_IGN)
        // What a plugin starts and abandons comes back to the service, which ends it.
        if !Orphans.adopt() { options.logger.warning("not a child subreaper: plugin processes that leave their group may outlive it") }
        try await reportingErrors {
            let (application, _) = try await buildApplication(options)
            let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: options.logger))
            try await group.run()
        }
    }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one tick now, store the message and print it.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Ask only this provider instance.")
    var provider: String?
    @Flag(help: "Ask the running service to run the tick (it stores and publishes the message), as POST /api/messages/generate.")
    var remote = false

    func run() async throws {
        if remote {
            guard provider == nil else { throw ValidationError("--provider works only without --remote") }
            let message = try await Remote.send(common, "POST", "/api/messages/generate")
            let fields = message.objectValue ?? [:]
            print(MessageText.visible("#\(Int(fields["id"]?.doubleValue ?? 0)) [\(fields["provider"]?.stringValue ?? "?") \(fields["model"]?.stringValue ?? "?")] \(fields["content"]?.stringValue ?? "")"))
            return
        }
        var options = common.options
        options.tickSource = ManualTickSource()
        let outcome = try await reportingErrors {
            let services = try await buildServices(options)
            let outcome = await services.ticks.tick(trigger: .cli, only: provider)
            await services.shutdown()
            return outcome
        }
        switch outcome {
        case .stored(let message):
            print(MessageText.visible("#\(message.id) [\(message.provider) \(message.model)] \(message.content)"))
        case .archived(let message, let attempts):
            print(Table.attempts(attempts))
            print(MessageText.visible("every provider failed; re-published archived #\(message.id): \(message.content)"))
            throw ExitCode(1)
        case .failed(let attempts, _), .storageFailed(let attempts):
            print(Table.attempts(attempts))
            print("no message stored")
            throw ExitCode(1)
        case .skipped, .standby:
            throw ExitCode(1)
        }
    }
}

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every configured provider's health and print a table.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let options = common.options
        let statuses = try await reportingErrors {
            let services = try await buildServices(options)
            await services.checkHealth()
            let statuses = await services.providerStatuses()
            await services.shutdown()
            return statuses
        }
        print(Table.render(
            header: ["ID", "PLUGIN", "PRIORITY", "ENABLED", "AVAILABLE", "HEALTH", "LATENCY", "SELECTED", "NOTE"],
            rows: statuses.map { status in
                [status.id, status.plugin, String(status.priority), status.enabled ? "yes" : "no", status.available ? "yes" : "no",
                 status.health.status.rawValue, status.health.latencyMs.map { String(format: "%.0f ms", $0) } ?? "-",
                 status.selected ? "*" : "", status.reason ?? status.health.lastError ?? ""]
            }))
    }
}

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
            let body = try JSONEncoder().encode([key: parsed])
            _ = try await Remote.send(common, "PATCH", "/api/config", json: body)
            print("\(key) = \(Table.text(parsed)) (runtime override)")
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove one runtime override on the running service (DELETE /api/config/KEY).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The key.")
        var key: String

        func run() async throws {
            let path = "/api/config/" + (key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? key)
            _ = try await Remote.send(common, "DELETE", path)
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
            let (configuration, removed) = try await reportingErrors {
                let configuration = try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
                let store = try await openStore(configuration)
                let keys = try await store.overrides().keys.sorted()
                try await store.setOverrides(Dictionary(uniqueKeysWithValues: keys.map { ($0, nil) }))
                await store.close()
                return (configuration, keys)
            }
            print(removed.isEmpty ? "no runtime overrides were set" : "removed \(removed.count) runtime override(s): \(removed.joined(separator: ", "))")
            do {
                _ = try await AdminClient(configuration: configuration).send("POST", "/api/providers/reload")
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

struct Messages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the newest stored messages.")
    @OptionGroup var common: CommonOptions
    @Option(help: "How many (1–200).")
    var limit: Int = 10

    func run() async throws {
        guard (1...200).contains(limit) else { throw ValidationError("--limit must be from 1 to 200") }
        let options = common.options
        let messages = try await reportingErrors {
            let configuration = try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
            let store = try await openStore(configuration)
            let messages = try await store.messages(limit: limit, before: nil)
            await store.close()
            return messages
        }
        print(Table.render(header: ["ID", "CREATED", "PROVIDER", "MODEL", "MESSAGE"],
                           rows: messages.map { [String($0.id), RFC3339.string(from: $0.createdAt), $0.provider, $0.model, $0.content] }))
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import the original AI-Ticker's message cache (a JSON list of strings), oldest first.",
        discussion: "Messages already stored are skipped, so running it twice imports nothing twice. A malformed file changes nothing.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The cache file (default: ticker.import_file, $CACHE_FILE, message_cache.json).")
    var file: String?

    func run() async throws {
        let options = common.options
        let report = try await reportingErrors {
            let configuration = try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
            let path = file ?? configuration.importFile ?? "message_cache.json"
            let store = try await openStore(configuration)
            do {
                let report = try await MessageImport.run(path: path, store: store, ticker: configuration.ticker)
                await store.close()
                return (path, report)
            } catch let error as MessageImport.ImportError {
                printError("ai-ticker: \(error)")
                throw ExitCode(2)
            }
        }
        for (position, reason) in report.1.rejected { print("\(report.0): item \(position) not imported: \(reason)") }
        print("\(report.0): imported \(report.1.imported), already stored \(report.1.alreadyPresent), rejected \(report.1.rejected.count) (blank \(report.1.blank))")
    }
}

struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the running service re-read its configuration and rebuild providers (POST /api/providers/reload).",
        discussion: "Finds the service and its admin token from the same configuration, as `systemctl reload` does with SIGHUP.")
    @OptionGroup var common: CommonOptions
    @Flag(name: .customLong("dry-run"), help: "Only validate the configuration the service would load.")
    var dryRun = false

    func run() async throws {
        let report = try await Remote.send(common, "POST", "/api/providers/reload" + (dryRun ? "?dry_run=true" : ""))
        let diff = report.objectValue?["diff"]?.objectValue ?? [:]
        let parts = ["added", "removed", "changed", "unchanged"].compactMap { name -> String? in
            guard case .array(let ids)? = diff[name], !ids.isEmpty else { return nil }
            return "\(name): \(ids.map(Table.text).joined(separator: ", "))"
        }
        print(dryRun ? "configuration valid" : "configuration reloaded (\(parts.isEmpty ? "no providers" : parts.joined(separator: "; ")))")
    }
}

/// Sends an admin request to the service this configuration describes, printing its error.
enum Remote {
    static func send(_ common: CommonOptions, _ method: String, _ path: String, json: Data? = nil) async throws -> JSONValue {
        let options = common.options
        let configuration = try await reportingErrors {
            try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
        }
        do {
            return try await AdminClient(configuration: configuration).send(method, path, json: json)
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
