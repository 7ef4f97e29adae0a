import TickerConfig

/// The rules every candidate message passes before it is stored, in order: a `redact` rule
/// changes the text the later rules see, the first `block` ends the check.
package struct Guardrails: Sendable {
    package struct Decision: Sendable, Equatable {
        package var rule: String
        package var action: GuardrailAction
        package var reason: String
    }

    /// The text to store (redacted where a rule said so) and every decision made on the way.
    package struct Verdict: Sendable, Equatable {
        package var text: String
        package var decisions: [Decision] = []

        /// The decision that refused the message, if one did.
        var blocked: Decision? { decisions.first { $0.action == .block } }
        /// The decision that holds it for review, if one does (and none refused it).
        var held: Decision? { blocked == nil ? decisions.first { $0.action == .hold } : nil }
    }

    var rules: [GuardrailRule]
    /// The rules that call out (moderation, plugins), run after `rules`.
    var external: [ExternalRule] = []

    init(rules: [GuardrailRule]) {
        self.rules = rules
    }

    /// The enabled rules that apply to `channel`, in its order when it names them.
    init(_ configuration: GuardrailConfiguration, channel: ChannelConfiguration,
         external: (GuardrailRuleConfiguration) -> ExternalRule? = { _ in nil }) {
        self.init(configuration, only: channel.guardrailRules, external: external)
    }

    /// The enabled rules, or those of them `names` lists, in that order; `external` makes the
    /// check of a moderation or plugin rule.
    package init(_ configuration: GuardrailConfiguration, only names: [String]? = nil,
                 external: (GuardrailRuleConfiguration) -> ExternalRule? = { _ in nil }) {
        let enabled = configuration.rules.filter(\.enabled)
        let chosen = names.map { names in names.compactMap { name in enabled.first { $0.name == name } } } ?? enabled
        rules = chosen.compactMap(GuardrailRule.init)
        self.external = chosen.compactMap(external)
    }

    package func check(_ text: String, prompts: [String]) -> Verdict {
        var verdict = Verdict(text: text)
        for rule in rules {
            let found = rule.matches(in: verdict.text, prompts: prompts)
            guard !found.isEmpty else { continue }
            let count = found.count == 1 ? "" : " (\(found.count) times)"
            verdict.decisions.append(Decision(rule: rule.name, action: rule.action, reason: rule.finding + count))
            switch rule.action {
            case .block: return verdict
            case .redact: verdict.text = Self.replacing(found, in: verdict.text, with: rule.replacement)
            case .hold, .log: break
            }
        }
        return verdict
    }

    /// `text` with whatever looks like a secret or personal data replaced, whatever the rules
    /// say: what the audit keeps of a message that was never published.
    package static func masked(_ text: String) -> String {
        let found = Detectors.matches(Detectors.secrets, in: text) + Detectors.personalData(in: text)
        return found.isEmpty ? text : replacing(found, in: text, with: "***")
    }

    /// `text` with every range (overlapping ones joined) replaced by `replacement`.
    static func replacing(_ ranges: [Range<String.Index>], in text: String, with replacement: String) -> String {
        var merged: [Range<String.Index>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var result = "", kept = text.startIndex
        for range in merged {
            result += text[kept..<range.lowerBound] + replacement
            kept = range.upperBound
        }
        return result + text[kept...]
    }
}
