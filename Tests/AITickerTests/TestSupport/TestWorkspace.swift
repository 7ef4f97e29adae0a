import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerProviders
@testable import TickerRuntime

/// One client for every test, configured as in production; never shut down (it lives as long as the process).
let testHTTPClient = makeHTTPClient()

/// A temporary directory holding a test's config files and database, removed at deinit.
final class TestWorkspace: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-ticker-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = path(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Configuration sources isolated from the real process environment.
    func sources(config: String? = nil, environment: [String: String] = [:], envFile: String? = nil) throws -> ConfigurationSources {
        let commandLine: [String: JSONValue] = ["database.path": .string(path("ticker.sqlite"))]
        var environment = environment
        if environment["TICKER_PROMPTS_FILE"] == nil { environment["TICKER_PROMPTS_FILE"] = path("prompts.json") }
        let configPath = try config.map { try write("plugin_config.json", $0) } ?? path("plugin_config.json")
        var sources = ConfigurationSources(configFile: config == nil ? nil : configPath, envFile: envFile ?? path(".env"),
                                           environment: environment, commandLine: commandLine)
        sources.defaultConfigFile = configPath
        return sources
    }

    func load(config: String? = nil, environment: [String: String] = [:], overrides: [String: JSONValue] = [:]) throws -> AppConfiguration {
        if !FileManager.default.fileExists(atPath: path(".env")) { try write(".env", "") }
        return try ConfigurationLoader(sources: try sources(config: config, environment: environment), registry: .builtin).load(overrides: overrides)
    }

    /// The plugins a configuration finds.
    func loadPlugins(config: String? = nil) throws -> PluginCatalog {
        if !FileManager.default.fileExists(atPath: path(".env")) { try write(".env", "") }
        return try ConfigurationLoader(sources: try sources(config: config), registry: .builtin).loadWithPlugins().plugins
    }

    /// The service's parts with their providers started, as the running service has them; ticks
    /// fired by hand.
    func services(config: String? = nil, environment: [String: String] = [:], logger: Logger? = nil,
                  started: Bool = true) async throws -> (TickerServices, ManualTickSource) {
        if !FileManager.default.fileExists(atPath: path(".env")) { try write(".env", "") }
        let source = ManualTickSource()
        let logger = logger ?? Logger(label: "test")
        let options = TickerOptions(sources: try sources(config: config, environment: environment), tickSource: source, logger: logger, httpClient: testHTTPClient)
        let services = try await buildServices(options)
        if started { await services.startProviders() }
        return (services, source)
    }
}

/// A `plugin_config.json` with the given `plugins` object (JSON text) and optional ticker settings.
func pluginConfig(_ plugins: String, ticker: String = #""dedupe_window": 0"#, global: String = #""fallback_behavior": "keep_last""#) -> String {
    #"{"plugins": \#(plugins), "ticker": {\#(ticker)}, "global_settings": {\#(global)}}"#
}

/// A log handler that keeps every line, for tests that check what is (and is not) logged.
struct LogCapture: LogHandler {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    let store = Lines()
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
    }

    var logger: Logger { Logger(label: "capture") { _ in self } }
}

/// Polls `condition` every 50 ms until it holds or `seconds` have passed; whether it held.
func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    repeat {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    } while ContinuousClock.now < deadline
    return try await condition()
}

/// The default channel's reads, as most tests ask for them.
extension MessageStore {
    func latest() async throws -> Message? { try await latest(channel: defaultChannel) }
    func messages(limit: Int, before: Int64?) async throws -> [Message] { try await messages(channel: defaultChannel, limit: limit, before: before) }
    func encodedMessages(limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)] {
        try await encodedMessages(channel: defaultChannel, limit: limit, before: before)
    }
    func messages(after: Int64, limit: Int) async throws -> [Message] { try await messages(channel: defaultChannel, after: after, limit: limit) }
    func recentContents(limit: Int) async throws -> [String] { try await recentContents(channel: defaultChannel, limit: limit) }
    func archiveCandidate(excludingNewest: Int) async throws -> Message? { try await archiveCandidate(channel: defaultChannel, excludingNewest: excludingNewest) }
    func recentTicks(limit: Int) async throws -> [TickRecord] { try await recentTicks(channel: nil, limit: limit) }
}
