import AsyncHTTPClient
import Foundation
import Logging
@testable import AITicker

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
        var commandLine: [String: JSONValue] = ["database.path": .string(path("ticker.sqlite"))]
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

    /// The service's parts, with ticks fired by hand.
    func services(config: String? = nil, environment: [String: String] = [:]) async throws -> (TickerServices, ManualTickSource) {
        if !FileManager.default.fileExists(atPath: path(".env")) { try write(".env", "") }
        let source = ManualTickSource()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let options = TickerOptions(sources: try sources(config: config, environment: environment), tickSource: source, logger: logger, httpClient: testHTTPClient)
        return (try await buildServices(options), source)
    }
}

/// A `plugin_config.json` with the given `plugins` object (JSON text) and optional ticker settings.
func pluginConfig(_ plugins: String, ticker: String = #""dedupe_window": 0"#, global: String = #""fallback_behavior": "keep_last""#) -> String {
    #"{"plugins": \#(plugins), "ticker": {\#(ticker)}, "global_settings": {\#(global)}}"#
}
