import AsyncHTTPClient
import Foundation
import TickerConfig
import TickerCore

/// A guardrail rule's call to an OpenAI-compatible moderation endpoint: `POST
/// <base_url>/moderations` with `{"input": text, "model": …}`, answered with `results[0]`'s
/// `flagged`, `categories` (name → bool) and `category_scores` (name → 0…1).
package struct ModerationClient: Sendable {
    let http: VendorHTTP
    let settings: GuardrailRuleConfiguration.Moderation
    let timeout: Double

    package init(client: HTTPClient, settings: GuardrailRuleConfiguration.Moderation, timeout: Double) {
        http = VendorHTTP(client: client, secrets: [settings.apiKey].compactMap { $0 })
        self.settings = settings
        self.timeout = timeout
    }

    /// The categories that count as flagged for `text`, sorted (none: it passes). Throws a
    /// `ProviderError` when the endpoint fails, answers something else, or takes longer than
    /// the rule's timeout.
    package func flagged(_ text: String) async throws -> [String] {
        var fields: [String: JSONValue] = ["input": .string(text)]
        if let model = settings.model { fields["model"] = .string(model) }
        let body = try JSONEncoder().encode(JSONValue.object(fields))
        let headers = settings.apiKey.map { [("authorization", "Bearer \($0)")] } ?? []
        let response: VendorResponse
        do {
            response = try await withTimeout(seconds: timeout) {
                try await http.send(.POST, settings.baseURL + "/moderations", headers: headers, json: body)
            }
        } catch is TimeoutError {
            throw ProviderError.timeout
        }
        guard (200..<300).contains(response.status) else { throw http.classify(response) }
        struct Answer: Decodable {
            struct Result: Decodable {
                var flagged: Bool?
                var categories: [String: Bool?]?
                var categoryScores: [String: Double?]?
                enum CodingKeys: String, CodingKey { case flagged, categories, categoryScores = "category_scores" }
            }
            var results: [Result]
        }
        guard let result = try http.decode(Answer.self, from: response).results.first else {
            throw ProviderError.badResponse("the moderation answer has no results")
        }
        let counted = { (category: String) in settings.categories.isEmpty || settings.categories.contains(category) }
        var found = Set((result.categories ?? [:]).filter { $0.value == true && counted($0.key) }.keys)
        for (category, score) in result.categoryScores ?? [:] {
            if let score, let threshold = settings.thresholds[category], score >= threshold { found.insert(category) }
        }
        if found.isEmpty, result.flagged == true, settings.categories.isEmpty, settings.thresholds.isEmpty { found.insert("flagged") }
        return found.sorted()
    }
}
