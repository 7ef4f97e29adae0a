import Foundation
import TickerConfig
import TickerCore

/// The OpenAI chat-completions API (`POST {base_url}/chat/completions`), spoken by OpenAI and by
/// many others; the presets are this plugin with a vendor's defaults.
public struct OpenAICompatiblePlugin: AIProviderPlugin {
    /// A vendor's defaults for the OpenAI-compatible plugin.
    public struct Preset: Sendable {
        public var name: String
        public var displayName: String
        public var baseURL: String?
        public var model: String?
        /// Where the key comes from when `api_key` is null; empty when no key is needed.
        public var keyVariables: [String]
        public var homepage: String?

        public init(name: String, displayName: String, baseURL: String?, model: String?, keyVariables: [String], homepage: String? = nil) {
            self.name = name
            self.displayName = displayName
            self.baseURL = baseURL
            self.model = model
            self.keyVariables = keyVariables
            self.homepage = homepage
        }
    }

    public static let generic = Preset(name: "openai-compatible", displayName: "OpenAI-compatible API", baseURL: nil, model: nil, keyVariables: [])

    /// The presets of README's providers table; each is registered under its own name.
    public static let presets: [Preset] = [
        Preset(name: "openai", displayName: "OpenAI", baseURL: "https://api.openai.com/v1", model: "gpt-4o-mini",
               keyVariables: ["OPENAI_API_KEY"], homepage: "https://platform.openai.com"),
        Preset(name: "openrouter", displayName: "OpenRouter", baseURL: "https://openrouter.ai/api/v1", model: "openai/gpt-4o-mini",
               keyVariables: ["OPENROUTER_API_KEY"], homepage: "https://openrouter.ai"),
        Preset(name: "together", displayName: "Together AI", baseURL: "https://api.together.xyz/v1",
               model: "meta-llama/Llama-3.3-70B-Instruct-Turbo", keyVariables: ["TOGETHER_API_KEY"], homepage: "https://www.together.ai"),
        Preset(name: "deepinfra", displayName: "DeepInfra", baseURL: "https://api.deepinfra.com/v1/openai",
               model: "meta-llama/Meta-Llama-3.1-8B-Instruct", keyVariables: ["DEEPINFRA_API_KEY"], homepage: "https://deepinfra.com"),
        Preset(name: "groq", displayName: "Groq", baseURL: "https://api.groq.com/openai/v1", model: "llama-3.1-8b-instant",
               keyVariables: ["GROQ_API_KEY"], homepage: "https://groq.com"),
        Preset(name: "mistral", displayName: "Mistral AI", baseURL: "https://api.mistral.ai/v1", model: "mistral-small-latest",
               keyVariables: ["MISTRAL_API_KEY"], homepage: "https://mistral.ai"),
    ]

    public let preset: Preset

    public init(preset: Preset = Self.generic) {
        self.preset = preset
    }

    public var metadata: PluginMetadata {
        PluginMetadata(
            name: preset.name, displayName: preset.displayName, version: "1.0.0", author: "ai-ticker",
            description: preset.baseURL.map { "OpenAI-compatible chat completions at \($0)" }
                ?? "Any server with an OpenAI-style /chat/completions endpoint (vLLM, llama.cpp, LM Studio, Ollama's /v1, …)",
            requires: preset.keyVariables.isEmpty ? ["base_url", "model"] : preset.keyVariables,
            supportedFeatures: ["chat", "health_check_models"], homepage: preset.homepage, license: "MIT"
        )
    }

    public var apiKeyVariables: [String] { preset.keyVariables }

    public func validate(_ config: ProviderConfig) throws { _ = try settled(config) }

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        let (config, model) = try settled(config)
        return VendorProvider(dialect: OpenAIDialect(providerName: preset.name), config: config, model: model, context: context)
    }

    private func settled(_ config: ProviderConfig) throws -> (ProviderConfig, model: String) {
        var config = config
        config.baseURL = try validatedBaseURL(config.baseURL, default: preset.baseURL)
        guard let model = config.model ?? preset.model, !model.isEmpty else { throw ProviderError.misconfigured("model is required") }
        return (config, model)
    }
}

/// Requests and answers of the chat-completions API.
struct OpenAIDialect: VendorDialect {
    let providerName: String

    private func headers(_ config: ProviderConfig) -> [(String, String)] {
        config.apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
    }

    func generationRequest(_ config: ProviderConfig, model: String, system: String, user: String) throws -> VendorRequest {
        let fields: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array([
                .object(["role": .string("system"), "content": .string(system)]),
                .object(["role": .string("user"), "content": .string(user)]),
            ]),
            "max_tokens": .number(Double(config.maxTokens)),
            "temperature": .number(config.temperature),
        ]
        return VendorRequest(url: url(config.baseURL ?? "", "/chat/completions"), headers: headers(config),
                             body: try body(fields, extra: config.extraParams))
    }

    struct Completion: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message?
            var finishReason: String?
            enum CodingKeys: String, CodingKey { case message, finishReason = "finish_reason" }
        }
        struct TokenUsage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?
            var totalTokens: Int?
            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
            }
        }
        var id: String?
        var created: Int?
        var model: String?
        var choices: [Choice]
        var usage: TokenUsage?
    }

    func parseGeneration(_ response: VendorResponse, http: VendorHTTP, model: String) throws -> AIResponse {
        let completion = try http.decode(Completion.self, from: response)
        guard let choice = completion.choices.first else { throw ProviderError.badResponse("no choices in the answer") }
        let usage = completion.usage
        return AIResponse(
            content: choice.message?.content ?? "", providerName: providerName, model: completion.model ?? model,
            usage: Usage(promptTokens: usage?.promptTokens ?? 0, completionTokens: usage?.completionTokens ?? 0, totalTokens: usage?.totalTokens),
            metadata: ResponseMetadata(responseID: completion.id, created: completion.created, finishReason: choice.finishReason)
        )
    }

    func healthRequest(_ config: ProviderConfig) -> VendorRequest {
        VendorRequest(method: .GET, url: url(config.baseURL ?? "", "/models"), headers: headers(config))
    }

    func parseModels(_ data: Data) -> [String] {
        struct List: Decodable {
            struct Model: Decodable { var id: String }
            var data: [Model]
        }
        return (try? JSONDecoder().decode(List.self, from: data))?.data.map(\.id) ?? []
    }
}
