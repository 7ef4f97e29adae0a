import Foundation
import TickerConfig
import TickerCore

/// Google's Gemini API: `POST {base_url}/v1beta/models/{model}:generateContent`, the key in the
/// `x-goog-api-key` header (never in the URL, where it would end up in logs).
public struct GeminiPlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "gemini", displayName: "Google Gemini", version: "1.0.0", author: "ai-ticker",
        description: "Gemini models through the Generative Language API (generateContent).",
        requires: ["GEMINI_API_KEY"], supportedFeatures: ["chat", "system_prompt", "health_check_models"],
        homepage: "https://ai.google.dev", documentation: "https://ai.google.dev/api/generate-content", license: "MIT"
    )

    public var apiKeyVariables: [String] { ["GEMINI_API_KEY", "GOOGLE_AI_API_KEY"] }

    public func validate(_ config: ProviderConfig) throws { _ = try settled(config) }

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        let (config, model) = try settled(config)
        return VendorProvider(dialect: GeminiDialect(), config: config, model: model, context: context)
    }

    private func settled(_ config: ProviderConfig) throws -> (ProviderConfig, model: String) {
        var config = config
        config.baseURL = try validatedBaseURL(config.baseURL, default: "https://generativelanguage.googleapis.com")
        let model = config.model ?? "gemini-2.0-flash"
        guard !model.isEmpty, !model.contains("/"), !model.contains("?") else {
            throw ProviderError.misconfigured("model \"\(model)\" is not a Gemini model name (e.g. gemini-2.0-flash)")
        }
        return (config, model)
    }
}

struct GeminiDialect: VendorDialect {
    let providerName = "gemini"

    private func headers(_ config: ProviderConfig) -> [(String, String)] {
        [("x-goog-api-key", config.apiKey ?? "")]
    }

    func generationRequest(_ config: ProviderConfig, model: String, system: String, user: String) throws -> VendorRequest {
        let fields: [String: JSONValue] = [
            "systemInstruction": .object(["parts": .array([.object(["text": .string(system)])])]),
            "contents": .array([.object(["role": .string("user"), "parts": .array([.object(["text": .string(user)])])])]),
            "generationConfig": .object(["maxOutputTokens": .number(Double(config.maxTokens)), "temperature": .number(config.temperature)]),
        ]
        let escaped = model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model
        return VendorRequest(url: url(config.baseURL ?? "", "/v1beta/models/\(escaped):generateContent"), headers: headers(config),
                             body: try body(fields, extra: config.extraParams))
    }

    struct Generation: Decodable {
        struct Candidate: Decodable {
            struct Content: Decodable {
                struct Part: Decodable { var text: String? }
                var parts: [Part]?
            }
            var content: Content?
            var finishReason: String?
        }
        struct Feedback: Decodable { var blockReason: String? }
        struct TokenUsage: Decodable { var promptTokenCount: Int?; var candidatesTokenCount: Int?; var totalTokenCount: Int? }
        var candidates: [Candidate]?
        var promptFeedback: Feedback?
        var usageMetadata: TokenUsage?
        var modelVersion: String?
        var responseId: String?
    }

    func parseGeneration(_ response: VendorResponse, http: VendorHTTP, model: String) throws -> AIResponse {
        let generation = try http.decode(Generation.self, from: response)
        if let reason = generation.promptFeedback?.blockReason { throw ProviderError.badResponse("prompt blocked: \(reason)") }
        guard let candidate = generation.candidates?.first else { throw ProviderError.badResponse("no candidate in the answer") }
        let usage = generation.usageMetadata
        return AIResponse(
            content: candidate.content?.parts?.compactMap(\.text).joined() ?? "", providerName: providerName,
            model: generation.modelVersion ?? model,
            usage: Usage(promptTokens: usage?.promptTokenCount ?? 0, completionTokens: usage?.candidatesTokenCount ?? 0, totalTokens: usage?.totalTokenCount),
            metadata: ResponseMetadata(responseID: generation.responseId, finishReason: candidate.finishReason)
        )
    }

    func healthRequest(_ config: ProviderConfig) -> VendorRequest {
        VendorRequest(method: .GET, url: url(config.baseURL ?? "", "/v1beta/models"), headers: headers(config))
    }

    func parseModels(_ data: Data) -> [String] {
        struct List: Decodable {
            struct Model: Decodable { var name: String }
            var models: [Model]
        }
        return (try? JSONDecoder().decode(List.self, from: data))?.models.map { $0.name.replacingOccurrences(of: "models/", with: "") } ?? []
    }
}
