import Foundation
import TickerConfig
import TickerCore

/// Ollama's native API: `POST /api/chat` with `"stream": false`; health from `/api/tags`.
public struct OllamaPlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "ollama", displayName: "Ollama", version: "1.0.0", author: "ai-ticker",
        description: "A local Ollama server through its native /api/chat endpoint; no key needed.",
        requires: ["model"], supportedFeatures: ["chat", "local", "health_check_models"],
        homepage: "https://ollama.com", license: "MIT"
    )

    public func validate(_ config: ProviderConfig) throws { _ = try settled(config) }

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        let (config, model) = try settled(config)
        return VendorProvider(dialect: OllamaDialect(), config: config, model: model, context: context)
    }

    private func settled(_ config: ProviderConfig) throws -> (ProviderConfig, model: String) {
        var config = config
        config.baseURL = try validatedBaseURL(config.baseURL, default: "http://127.0.0.1:11434")
        guard let model = config.model, !model.isEmpty else { throw ProviderError.misconfigured("model is required (e.g. llama3.2)") }
        return (config, model)
    }
}

struct OllamaDialect: VendorDialect {
    let providerName = "ollama"

    /// Ollama needs no key; one is sent as a bearer token for servers behind an authenticating proxy.
    private func headers(_ config: ProviderConfig) -> [(String, String)] {
        config.apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
    }

    func generationRequest(_ config: ProviderConfig, model: String, system: String, user: String) throws -> VendorRequest {
        let fields: [String: JSONValue] = [
            "model": .string(model),
            "stream": .bool(false),
            "messages": .array([
                .object(["role": .string("system"), "content": .string(system)]),
                .object(["role": .string("user"), "content": .string(user)]),
            ]),
            "options": .object(["temperature": .number(config.temperature), "num_predict": .number(Double(config.maxTokens))]),
        ]
        return VendorRequest(url: url(config.baseURL ?? "", "/api/chat"), headers: headers(config),
                             body: try body(fields, extra: config.extraParams))
    }

    struct Chat: Decodable {
        struct Message: Decodable { var content: String? }
        var model: String?
        var message: Message?
        var done: Bool?
        var doneReason: String?
        var promptEvalCount: Int?
        var evalCount: Int?
        var createdAt: String?
        enum CodingKeys: String, CodingKey {
            case model, message, done, doneReason = "done_reason", promptEvalCount = "prompt_eval_count"
            case evalCount = "eval_count", createdAt = "created_at"
        }
    }

    func parseGeneration(_ response: VendorResponse, http: VendorHTTP, model: String) throws -> AIResponse {
        let chat = try http.decode(Chat.self, from: response)
        if chat.done == false { throw ProviderError.badResponse("answer not done") }
        return AIResponse(
            content: chat.message?.content ?? "", providerName: providerName, model: chat.model ?? model,
            usage: Usage(promptTokens: chat.promptEvalCount ?? 0, completionTokens: chat.evalCount ?? 0),
            metadata: ResponseMetadata(created: chat.createdAt.flatMap(RFC3339.date).map { Int($0.timeIntervalSince1970) },
                                       finishReason: chat.doneReason)
        )
    }

    func healthRequest(_ config: ProviderConfig) -> VendorRequest {
        VendorRequest(method: .GET, url: url(config.baseURL ?? "", "/api/tags"), headers: headers(config))
    }

    func parseModels(_ data: Data) -> [String] {
        struct Tags: Decodable {
            struct Model: Decodable { var name: String }
            var models: [Model]
        }
        return (try? JSONDecoder().decode(Tags.self, from: data))?.models.map(\.name) ?? []
    }
}
