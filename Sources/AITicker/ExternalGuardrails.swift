import AsyncHTTPClient
import TickerConfig
import TickerProviders
import TickerRuntime

/// The check of a guardrail rule that calls out: a moderation rule asks its endpoint over the
/// service's HTTP client. Nil for the local kinds (TickerRuntime runs those itself).
func externalGuardrail(_ rule: GuardrailRuleConfiguration, httpClient: HTTPClient) -> ExternalRule? {
    switch rule.kind {
    case .moderation:
        guard let settings = rule.moderation else { return nil }
        let client = ModerationClient(client: httpClient, settings: settings)
        let action = rule.action
        return ExternalRule(name: rule.name, onError: settings.onError == .hold ? .hold : .log) { text, _ in
            let flagged = try await client.flagged(text)
            return flagged.isEmpty ? nil : .init(action: action, reason: "the moderation endpoint flagged it (\(flagged.joined(separator: ", ")))")
        }
    default:
        return nil
    }
}
