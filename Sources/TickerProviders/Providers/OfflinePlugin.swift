import Synchronization
import TickerConfig
import TickerCore

/// Built-in plugin that needs no network: short messages from a corpus compiled into the binary.
public struct OfflinePlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "offline", displayName: "Offline corpus", version: "1.0.0", author: "ai-ticker",
        description: "Varied short messages from a corpus shipped with ai-ticker; works with no network and no key.",
        supportedFeatures: ["offline", "no_api_key"], license: "MIT"
    )

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        OfflineProvider(model: config.model ?? "offline-corpus", messages: OfflineCorpus.messages, recent: context.recentMessages)
    }
}

/// Deals messages from a shuffled deck, so none repeats until the whole corpus has been used
/// and never the same twice in a row across a reshuffle. Messages stored recently (before a
/// restart, say) are passed over while the deck has others.
final class OfflineProvider: AIProvider {
    let providerName = "offline"
    let model: String
    private let messages: [String]
    private let deck: Mutex<(order: [Int], next: Int, last: Int?)>
    private let recent: @Sendable (Int) async -> [String]

    init(model: String, messages: [String], recent: @escaping @Sendable (Int) async -> [String] = { _ in [] }) {
        precondition(messages.count >= 2, "the offline corpus needs at least two messages")
        self.model = model
        self.messages = messages
        self.recent = recent
        self.deck = Mutex((Array(messages.indices).shuffled(), 0, nil))
    }

    var supportedModels: [String] { [model] }

    func initialize() async throws {}

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        let shown = Set(await recent(messages.count / 2))
        let index = deck.withLock { deck in
            var index = Self.draw(&deck, count: messages.count)
            var draws = 1
            while index == deck.last || shown.contains(messages[index]), draws < 2 * messages.count {
                index = Self.draw(&deck, count: messages.count)
                draws += 1
            }
            deck.last = index
            return index
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

    /// The next card, reshuffling when the deck is used up.
    private static func draw(_ deck: inout (order: [Int], next: Int, last: Int?), count: Int) -> Int {
        if deck.next == deck.order.count {
            deck.order = Array(0..<count).shuffled()
            deck.next = 0
        }
        defer { deck.next += 1 }
        return deck.order[deck.next]
    }

    func healthCheck() async -> HealthCheckResult {
        HealthCheckResult(healthy: true, latencyMs: 0, detail: "\(messages.count) messages")
    }

    func shutdown() async {}
}
