import Foundation
import TickerConfig
import TickerCore

/// Anthropic's Messages API: `POST {base_url}/v1/messages` with `x-api-key` and `anthropic-version`.
public struct AnthropicPlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "anthropic", displayName: "Anthropic Claude", version: "1.0.0", author: "ai-ticker",
        description: "Claude models through the Anthropic Messages API.",
        requires: ["ANTHROPIC_API_KEY"], supportedFeatures: ["chat", "system_prompt", "health_check_models"],
        homepage: "https://www.anthropic.com", documentation: "https://docs.anthropic.com/en/api/messages", license: "MIT"
    )

    public var apiKeyVariables: [String] { ["ANTHROPIC_API_KEY"] }

    public func validate(_ config: ProviderConfig) throws {
        _ = try validatedBaseURL(config.baseURL, default: "https://api.anthropic.com")
    }

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        var config = config
        config.baseURL = try validatedBaseURL(config.baseURL, default: "https://api.anthropic.com")
        return VendorProvider(dialect: AnthropicDialect(), config: config, model: config.model ?? "claude-3-5-haiku-latest", context: context)
    }
}

struct AnthropicDialect: VendorDialect {
    let providerName = "anthropic"
    static let version = "2023-06-01"

    private func headers(_ config: ProviderConfig) -> [(String, String)] {
        [("x-api-key", config.apiKey ?? ""), ("anthropic-version", Self.version)]
    }

    func generationRequest(_ config: ProviderConfig, model: String, system: String, user: String) throws -> VendorRequest {
        let fields: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .number(Double(config.maxTokens)),
            "system": .string(system),
            "messages": .array([.object(["role": .string("user"), "content": .string(user)])]),
            "temperature": .number(min(config.temperature, 1)),
        ]
        return VendorRequest(url: url(config.baseURL ?? "", "/v1/messages"), headers: headers(config),
                             body: try body(fields, extra: config.extraParams))
    }

    struct Message: Decodable {
        struct Block: Decodable { var type: String; var text: String? }
        struct TokenUsage: Decodable {
            var inputTokens: Int?
            var outputTokens: Int?
            enum CodingKeys: String, CodingKey { case inputTokens = "input_tokens", outputTokens = "output_tokens" }
        }
        var id: String?
        var model: String?
        var content: [Block]
        var stopReason: String?
        var usage: TokenUsage?
        enum CodingKeys: String, CodingKey { case id, model, content, stopReason = "stop_reason", usage }
    }

    func parseGeneration(_ response: VendorResponse, http: VendorHTTP, model: String) throws -> AIResponse {
        let message = try http.decode(Message.self, from: response)
        let text = message.content.filter { $0.type == "text" }.compactMap(\.text).joined()
        return AIResponse(
            content: text, providerName: providerName, model: message.model ?? model,
            usage: Usage(promptTokens: message.usage?.inputTokens ?? 0, completionTokens: message.usage?.outputTokens ?? 0),
            metadata: ResponseMetadata(responseID: message.id, finishReason: message.stopReason)
        )
    }

    func healthRequest(_ config: ProviderConfig) -> VendorRequest {
        VendorRequest(method: .GET, url: url(config.baseURL ?? "", "/v1/models"), headers: headers(config))
    }

    func parseModels(_ data: Data) -> [String] {
        OpenAIDialect(providerName: providerName).parseModels(data)
    }
}
