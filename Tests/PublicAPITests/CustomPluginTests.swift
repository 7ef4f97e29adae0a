import AITicker
import Foundation
import HummingbirdTesting
import Logging
import Testing

/// A plugin defined outside the package, with the public API only (no @testable import).
struct EchoPlugin: AIProviderPlugin {
    let metadata = PluginMetadata(name: "echo", displayName: "Echo", version: "1.0.0", author: "tests",
                                  description: "Answers with its configured text.", category: .custom)

    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        guard let text = config.extraParams["text"]?.stringValue else { throw ProviderError.misconfigured("extra_params.text is required") }
        return EchoProvider(text: text)
    }
}

struct EchoProvider: AIProvider {
    let text: String
    var providerName: String { "echo" }
    var supportedModels: [String] { ["echo-1"] }
    func initialize() async throws {}
    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        AIResponse(content: text, providerName: providerName, model: "echo-1", usage: Usage(promptTokens: 1, completionTokens: 2))
    }
    func healthCheck() async -> HealthCheckResult { HealthCheckResult(healthy: true) }
    func shutdown() async {}
}

@Suite("Registering a Swift plugin through the public API")
struct CustomPluginTests {
    @Test func aRegisteredPluginServesTicksAndTheAPI() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ai-ticker-public-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("plugin_config.json")
        try Data(#"{"plugins": {"mine": {"plugin": "echo", "config": {"extra_params": {"text": "from my own package"}}}}}"#.utf8).write(to: config)
        var registry = PluginRegistry.builtin
        registry.register(EchoPlugin())
        var logger = Logger(label: "public-api-test")
        logger.logLevel = .critical
        let source = ManualTickSource()
        let options = TickerOptions(
            sources: ConfigurationSources(configFile: config.path, environment: [:],
                                          commandLine: ["database.path": .string(directory.appendingPathComponent("t.sqlite").path)]),
            registry: registry, tickSource: source, logger: logger, httpClient: sharedClient
        )
        let (application, services) = try await buildApplication(options)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == "from my own package")
        #expect(message.providerName == "echo")
        try await application.test(.router) { client in
            let response = try await client.execute(uri: "/api/message", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("from my own package"))
            let plugins = try await client.execute(uri: "/api/plugins", method: .get)
            #expect(String(buffer: plugins.body).contains(#""name":"echo""#))
        }
    }
}

let sharedClient = makeHTTPClient()
