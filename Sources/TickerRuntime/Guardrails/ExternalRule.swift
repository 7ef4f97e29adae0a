import Foundation
import TickerCore
import TickerProviders

/// A guardrail rule that asks something outside the service: a moderation endpoint or a
/// guardrail plugin. It runs after the local rules (an answer they block costs no call), and its
/// failure is never a pass by accident: `onError` says what it means.
package struct ExternalRule: Sendable {
    /// What the check found: the action to take and why (never the matched text).
    package struct Finding: Sendable, Equatable {
        package var action: GuardrailAction
        package var reason: String

        package init(action: GuardrailAction, reason: String) {
            self.action = action
            self.reason = reason
        }
    }

    /// What a check is told beside the text.
    package struct Context: Sendable {
        package var channel: String
        package var provider: String
        package var prompts: [String]
    }

    package var name: String
    /// `hold` (fail closed) or `log` (publish) when the check fails or times out.
    package var onError: GuardrailAction
    /// Nil when the text passes.
    package var check: @Sendable (_ text: String, _ context: Context) async throws -> Finding?

    package init(name: String, onError: GuardrailAction, check: @escaping @Sendable (String, Context) async throws -> Finding?) {
        self.name = name
        self.onError = onError
        self.check = check
    }
}

extension Guardrails {
    /// Runs the external rules in order on a verdict the local rules did not block, adding
    /// their decisions; returns one record per call for the tick record (latency included).
    func checkExternal(_ verdict: inout Verdict, context: ExternalRule.Context) async -> [GuardrailCheck] {
        var checks: [GuardrailCheck] = []
        for rule in external where verdict.blocked == nil {
            let started = ContinuousClock.now
            var check = GuardrailCheck(rule: rule.name, result: .pass)
            do {
                if let finding = try await rule.check(verdict.text, context) {
                    check.result = .flagged
                    check.detail = finding.reason
                    verdict.decisions.append(Decision(rule: rule.name, action: finding.action, reason: finding.reason))
                }
            } catch {
                check.result = .error
                let failure = "\(ProviderError(error).message)"
                let outcome = rule.onError == .hold ? "held for review (on_error hold)" : "published unchecked (on_error publish)"
                check.detail = "\(failure); \(outcome)"
                verdict.decisions.append(Decision(rule: rule.name, action: rule.onError, reason: "the check failed (\(failure)): \(outcome)"))
            }
            check.latencyMs = (started.duration(to: .now).milliseconds * 10).rounded() / 10
            checks.append(check)
        }
        return checks
    }
}
