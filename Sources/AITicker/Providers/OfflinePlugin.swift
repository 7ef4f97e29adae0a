import Synchronization

/// Built-in plugin that needs no network: short messages from a corpus compiled into the binary.
public struct OfflinePlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "offline", displayName: "Offline corpus", version: "1.0.0", author: "ai-ticker",
        description: "Varied short messages from a corpus shipped with ai-ticker; works with no network and no key.",
        supportedFeatures: ["offline", "no_api_key"], license: "MIT"
    )

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        OfflineProvider(model: config.model ?? "offline-corpus", messages: OfflineCorpus.messages)
    }
}

/// Deals messages from a shuffled deck, so none repeats until the whole corpus has been used
/// and never the same twice in a row across a reshuffle.
final class OfflineProvider: AIProvider {
    let providerName = "offline"
    let model: String
    private let messages: [String]
    private let deck: Mutex<(order: [Int], next: Int)>

    init(model: String, messages: [String]) {
        precondition(messages.count >= 2, "the offline corpus needs at least two messages")
        self.model = model
        self.messages = messages
        self.deck = Mutex((Array(messages.indices).shuffled(), 0))
    }

    var supportedModels: [String] { [model] }

    func initialize() async throws {}

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        let index = deck.withLock { deck in
            if deck.next == deck.order.count {
                let last = deck.order[deck.order.count - 1]
                var order = Array(messages.indices).shuffled()
                if order[0] == last { order.swapAt(0, order.count - 1) }
                deck = (order, 0)
            }
            defer { deck.next += 1 }
            return deck.order[deck.next]
        }
        let content = messages[index]
        let words = content.split(separator: " ").count
        let promptWords = (systemPrompt + " " + userPrompt).split(separator: " ").count
        return AIResponse(
            content: content, providerName: providerName, model: model,
            usage: Usage(promptTokens: promptWords, completionTokens: words),
            metadata: ResponseMetadata(responseID: "offline-\(index)", finishReason: "stop")
        )
    }

    func healthCheck() async -> HealthCheckResult {
        HealthCheckResult(healthy: true, latencyMs: 0, detail: "\(messages.count) messages")
    }

    func shutdown() async {}
}
