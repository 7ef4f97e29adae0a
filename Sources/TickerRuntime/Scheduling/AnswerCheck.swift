import Foundation
import TickerConfig
import TickerCore
import TickerProviders

/// The one place an answer is accepted or rejected. Providers only report what the vendor said
/// (content, `finish_reason`); whether that is a usable ticker message is decided here.
enum AnswerCheck {
    /// Stop reasons meaning the answer was cut off by the token limit, across the vendors'
    /// vocabularies (OpenAI and Ollama, Anthropic, Gemini).
    static let cutOff: Set<String> = ["length", "max_tokens", "MAX_TOKENS"]
    /// Stop reasons meaning the vendor withheld or filtered the answer.
    static let blocked: Set<String> = ["content_filter", "refusal", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]

    /// Why an answer is not accepted: empty, cut off, blocked, too long, holding a configured
    /// secret (a provider echoing its key must not publish it), or a near-duplicate of a recent
    /// message. Nil when it can be stored.
    static func rejection(of response: AIResponse, recent: [[Character]], threshold: Int, maxLength: Int,
                          secrets: SecretRedactor = SecretRedactor(secrets: [])) -> (ErrorClass, String)? {
        let reason = response.metadata.finishReason ?? ""
        if cutOff.contains(reason) { return (.badResponse, "cut off (finish_reason \(reason))") }
        if blocked.contains(reason) { return (.badResponse, "withheld by the vendor (finish_reason \(reason))") }
        let content: String
        switch MessageText.accept(response.content, maxLength: maxLength) {
        case .success(let text): content = text
        case .failure(let rejected): return (.badResponse, rejected.reason)
        }
        if [content, response.model, response.providerName, response.metadata.responseID ?? ""].contains(where: secrets.appears) {
            return (.badResponse, "the answer contains a configured secret (an API key or the admin token); not stored")
        }
        let normalized = Similarity.normalize(content)
        for previous in recent {
            let score = Similarity.ratio(normalized, previous)
            if score >= Double(threshold) { return (.duplicate, "\(Int(score))% similar to a recent message") }
        }
        return nil
    }
}
