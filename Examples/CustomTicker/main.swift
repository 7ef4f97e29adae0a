// A service of your own: ai-ticker with one more provider, registered through the public API
// of the AITicker library only. Run it with `swift run custom-ticker` from this package.
import AITicker
import Logging
import ServiceLifecycle

/// A plugin: metadata, a check of the settings, and a factory that builds a provider.
struct ShoutPlugin: AIProviderPlugin {
    let metadata = PluginMetadata(
        name: "shout", displayName: "Shout", version: "1.0.0", author: "you",
        description: "Repeats a configured phrase in capitals.", category: .custom
    )

    func validate(_ config: ProviderConfig) throws { _ = try phrase(config) }

    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        ShoutProvider(phrase: try phrase(config))
    }

    private func phrase(_ config: ProviderConfig) throws -> String {
        guard let phrase = config.extraParams["phrase"]?.stringValue, !phrase.isEmpty else {
            throw ProviderError.misconfigured("extra_params.phrase is required")
        }
        return phrase
    }
}

/// The provider: answers, health, start and stop. Throw `ProviderError` to fail an attempt.
struct ShoutProvider: AIProvider {
    let phrase: String
    var providerName: String { "shout" }
    var supportedModels: [String] { ["shout-1"] }

    func initialize() async throws {}

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        AIResponse(content: phrase.uppercased() + "!", providerName: providerName, model: "shout-1")
    }

    func healthCheck() async -> HealthCheckResult {
        HealthCheckResult(healthy: true)
    }

    func shutdown() async {}
}

var registry = PluginRegistry.builtin
registry.register(ShoutPlugin())
let options = TickerOptions(registry: registry)
let (application, _) = try await buildApplication(options)
let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: options.logger))
try await group.run()
