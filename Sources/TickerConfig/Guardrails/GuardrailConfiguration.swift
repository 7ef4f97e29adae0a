import Foundation
import TickerCore

/// `guardrails` of `plugin_config.json`: the rules every candidate message passes before it is
/// stored, and whether every message waits for review.
///
/// - `guardrails.review` (bool, false): hold every message for review (runtime override).
/// - `guardrails.rules` (array, none): the rules in order, each an object with `name` (a slug,
///   unique), `type`, `action` (`block` when left out), `enabled` (true; the runtime override
///   `guardrails.rules.<name>.enabled`) and what its type needs (`GuardrailRuleConfiguration`).
public struct GuardrailConfiguration: Sendable, Equatable {
    public var review = false
    public var rules: [GuardrailRuleConfiguration] = []

    public init(review: Bool = false, rules: [GuardrailRuleConfiguration] = []) {
        self.review = review
        self.rules = rules
    }
}

/// One rule as configured; TickerRuntime turns it into the check it runs.
public struct GuardrailRuleConfiguration: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case words, regex, secrets, pii, links
        case promptEcho = "prompt_echo"
        case moderation, plugin
    }

    /// What a rule does with a message it finds something in.
    public enum Action: String, Sendable, Codable, CaseIterable {
        /// The attempt is refused (error class `guardrail`) and the next provider is asked.
        case block
        /// What was found is replaced; the message is kept.
        case redact
        /// Stored, not published, until someone reviews it.
        case hold
        /// Only counted and logged.
        case log
    }

    public var name: String
    public var kind: Kind
    public var action: Action = .block
    public var enabled = true
    /// `words`: the words and phrases.
    public var words: [String] = []
    /// `regex`: `pattern`, or several in `patterns`; matched case-insensitively unless `case_sensitive`.
    public var patterns: [String] = []
    public var caseSensitive = false
    /// `redact`: what a match becomes (`***`).
    public var replacement = "***"
    /// `moderation`: the endpoint and how to treat it.
    public var moderation: Moderation?
    /// `plugin`: the guardrail plugin's name, and the settings its `initialize` gets.
    public var plugin: String?
    public var pluginConfig: [String: JSONValue] = [:]
    /// `moderation` and `plugin`: how long one check may take, and what a failure or time-out
    /// means: `hold` (fail closed) or `publish`.
    public var timeoutSeconds: Double = 5
    public var onError: OnError = .hold

    public enum OnError: String, Sendable, CaseIterable {
        case hold, publish
    }

    public struct Moderation: Sendable, Equatable {
        /// An OpenAI-compatible API root; the check posts to `<base_url>/moderations`.
        public var baseURL: String
        public var apiKey: String?
        public var model: String?
        /// Only these categories count (every category when empty).
        public var categories: [String] = []
        /// A category's score at or above this counts as flagged, beside the endpoint's own `flagged`.
        public var thresholds: [String: Double] = [:]
    }

    public init(name: String, kind: Kind, action: Action = .block) {
        self.name = name
        self.kind = kind
        self.action = action
    }
}
