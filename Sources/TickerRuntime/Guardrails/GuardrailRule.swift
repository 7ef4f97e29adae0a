import Foundation
import TickerConfig

/// What a rule does with a message it finds something in (`GuardrailRuleConfiguration.Action`).
package typealias GuardrailAction = GuardrailRuleConfiguration.Action

/// One rule of `guardrails.rules`: what it looks for and what it does then.
struct GuardrailRule: Sendable {
    enum Kind: Sendable {
        case words(WordList)
        case regex([NSRegularExpression])
        case secrets
        case personalData
        case links
        /// The configured prompts repeated back.
        case promptEcho
    }

    var name: String
    var kind: Kind
    var action: GuardrailAction
    /// What a redacted match becomes.
    var replacement = "***"

    init(name: String, kind: Kind, action: GuardrailAction, replacement: String = "***") {
        (self.name, self.kind, self.action, self.replacement) = (name, kind, action, replacement)
    }

    /// The check a configured rule runs; nil for a kind checked elsewhere (moderation, plugins).
    init?(_ rule: GuardrailRuleConfiguration) {
        let kind: Kind
        switch rule.kind {
        case .words: kind = .words(WordList(rule.words))
        case .regex:
            // Checked when the configuration was read.
            kind = .regex(rule.patterns.compactMap { try? NSRegularExpression(pattern: $0, options: rule.caseSensitive ? [] : [.caseInsensitive]) })
        case .secrets: kind = .secrets
        case .pii: kind = .personalData
        case .links: kind = .links
        case .promptEcho: kind = .promptEcho
        case .moderation, .plugin: return nil
        }
        self.init(name: rule.name, kind: kind, action: rule.action, replacement: rule.replacement)
    }

    /// The parts of `text` the rule finds; `prompts` are the channel's system and user prompts.
    func matches(in text: String, prompts: [String]) -> [Range<String.Index>] {
        switch kind {
        case .words(let list): list.matches(in: FoldedText(text))
        case .regex(let expressions): Detectors.matches(expressions, in: text)
        case .secrets: Detectors.matches(Detectors.secrets, in: text)
        case .personalData: Detectors.personalData(in: text)
        case .links: Detectors.matches(Detectors.links, in: text)
        case .promptEcho: Self.echoes(of: prompts, in: FoldedText(text))
        }
    }

    /// What the rule found, in words that never repeat the match (it may be a key).
    var finding: String {
        switch kind {
        case .words: "a listed word or phrase"
        case .regex: "text matching the rule's expression"
        case .secrets: "something shaped like a key, token or private key"
        case .personalData: "personal data (an e-mail address, phone, card or IBAN number)"
        case .links: "a link"
        case .promptEcho: "the configured prompt repeated back"
        }
    }

    /// Where the answer repeats a run of a prompt's words: eight in a row, or the whole prompt
    /// when it is shorter (and at least four words long, so a short prompt's common words are not one).
    static func echoes(of prompts: [String], in text: FoldedText) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        for prompt in prompts {
            let words = FoldedText.words(of: prompt)
            let run = min(8, words.count)
            guard run >= 4, text.words.count >= run else { continue }
            let windows = Set((0...(words.count - run)).map { words[$0..<$0 + run].joined(separator: " ") })
            for start in 0...(text.words.count - run) where windows.contains(text.words[start..<start + run].map(\.text).joined(separator: " ")) {
                found.append(text.words[start].range.lowerBound..<text.words[start + run - 1].range.upperBound)
            }
        }
        return found
    }
}
