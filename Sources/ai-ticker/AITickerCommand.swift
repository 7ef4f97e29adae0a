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
        subcommands: [Serve.self, Generate.self, Reload.self, Providers.self, Plugins.self, Config.self, Messages.self, Channels.self, Import.self,
                      Review.self, Approve.self, Reject.self, Retract.self, Stats.self],
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
        if let db { commandLine[Key.Database.path.name] = .string(db) }
        if let host { commandLine[Key.Server.host.name] = .string(host) }
        if let port { commandLine[Key.Server.port.name] = .number(Double(port)) }
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

/// What `messages`, `import` and `config reset` share: the configuration (no plugin file run),
/// its store opened, `body` run with both inside `reportingErrors`, and the store closed however
/// `body` ends.
func withStore<T>(_ options: TickerOptions, _ body: (AppConfiguration, any MessageStore) async throws -> T) async throws -> T {
    try await reportingErrors {
        let configuration = try ConfigurationLoader(sources: options.sources, registry: options.registry, listsPythonPlugins: false).load()
        let store = try await openStore(configuration)
        do {
            let result = try await body(configuration, store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}
