import Foundation
import Testing
@testable import TickerConfig
@testable import TickerCore

@Suite("Guardrail configuration")
struct GuardrailConfigurationTests {
    static let rules = #"""
        {"plugins": {"offline": {}},
         "guardrails": {"review": false, "rules": [
           {"name": "house-words", "type": "words", "words": ["darn", "bad phrase"], "action": "block"},
           {"name": "no-pii", "type": "pii", "action": "redact", "replacement": "[removed]"},
           {"name": "no-keys", "type": "secrets"},
           {"name": "no-links", "type": "links", "action": "log"},
           {"name": "no-echo", "type": "prompt_echo", "action": "block"},
           {"name": "custom", "type": "regex", "pattern": "(?i)free\\s+money", "action": "log", "enabled": false}
         ]},
         "channels": {"street": {"guardrails": {"review": false, "rules": ["no-keys", "no-links"]}}}}
        """#

    @Test func theIssuesShapeReadsAsWritten() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: Self.rules)
        let rules = configuration.guardrails.rules
        #expect(rules.map(\.name) == ["house-words", "no-pii", "no-keys", "no-links", "no-echo", "custom"])
        #expect(rules.map(\.kind) == [.words, .pii, .secrets, .links, .promptEcho, .regex])
        #expect(rules.map(\.action) == [.block, .redact, .block, .log, .block, .log], "a rule without action blocks")
        #expect(rules[0].words == ["darn", "bad phrase"] && rules[1].replacement == "[removed]")
        #expect(rules[5].patterns == [#"(?i)free\s+money"#] && !rules[5].enabled)
        #expect(!configuration.guardrails.review)
        let street = try #require(configuration.channels.first { $0.name == "street" })
        #expect(!street.review && street.guardrailRules == ["no-keys", "no-links"])
        #expect(configuration.warnings.isEmpty, "\(configuration.warnings)")
    }

    /// Review, holding, the moderation endpoint and guardrail plugins, as the issue writes them.
    @Test func reviewModerationAndPluginRulesReadAsWritten() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: #"""
            {"guardrails": {"review": true, "rules": [
               {"name": "no-links", "type": "links", "action": "hold"},
               {"name": "mod", "type": "moderation", "base_url": "http://127.0.0.1:9/v1/", "api_key": "${MOD_KEY}", "on_error": "publish",
                "timeout": 2.5, "categories": ["hate"], "thresholds": {"hate": 0.4}},
               {"name": "profanity", "type": "plugin", "plugin": "profanity_guard", "config": {"extra_words": ["darn"]}}]},
             "channels": {"street": {"guardrails": {"review": false}}}}
            """#, environment: ["MOD_KEY": "mod-key-123456"])
        let rules = configuration.guardrails.rules
        #expect(configuration.guardrails.review && rules.first?.action == .hold)
        let moderation = try #require(rules.first { $0.name == "mod" })
        #expect(moderation.moderation?.baseURL == "http://127.0.0.1:9/v1" && moderation.moderation?.apiKey == "mod-key-123456")
        #expect(moderation.onError == .publish && moderation.timeoutSeconds == 2.5 && moderation.moderation?.thresholds == ["hate": 0.4])
        let plugin = try #require(rules.first { $0.name == "profanity" })
        #expect(plugin.plugin == "profanity_guard" && plugin.onError == .hold && plugin.timeoutSeconds == 5)
        #expect(plugin.pluginConfig["extra_words"] == .array([.string("darn")]))
        #expect(configuration.channels.first { $0.name == "street" }?.review == false)
        #expect(configuration.channels.first { $0.name == "default" }?.review == true)
        #expect(configuration.redactor.redact("key mod-key-123456") == "key ***", "the moderation key is a secret")
        // Not installed in this workspace: it loads (and fails closed), and says where it looked.
        #expect(configuration.warnings.contains { $0.key == "guardrails.rules.profanity.plugin" && $0.reason.contains("no guardrail plugin profanity_guard") })
    }

    @Test func switchesAreRuntimeOverridesAndNothingElseIs() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: Self.rules, overrides: [
            "guardrails.review": .bool(false), "guardrails.rules.custom.enabled": .bool(true), "guardrails.rules.no-keys.enabled": .bool(false),
            "guardrails.rules.ghost.enabled": .bool(false),
        ])
        #expect(configuration.guardrails.rules.first { $0.name == "custom" }?.enabled == true)
        #expect(configuration.guardrails.rules.first { $0.name == "no-keys" }?.enabled == false)
        let sources = Dictionary(configuration.effective.map { ($0.key, $0.source) }, uniquingKeysWith: { $1 })
        #expect(sources["guardrails.rules.custom.enabled"] == "runtime" && sources["guardrails.review"] == "runtime")
        #expect(configuration.warnings.contains { "\($0)".contains("guardrails.rules.ghost.enabled") && "\($0)".contains("no such guardrail rule") })
        for key in ["guardrails.rules", "guardrails.rules.mod.base_url", "channels.street.guardrails.rules"] {
            #expect(ConfigSchema.overrideProblem(key: key, value: .string("x")) != nil, "\(key) is not a runtime knob")
        }
        #expect(ConfigSchema.overrideProblem(key: "guardrails.rules.mod.enabled", value: .bool(false)) == nil)
    }

    @Test func aRuleThatCannotRunIsAnErrorNamingItsKey() throws {
        let workspace = try TestWorkspace()
        for (rule, fragment) in [
            (#"{"name": "x", "type": "wordz"}"#, "guardrails.rules.x: type: expected one of words, regex"),
            (#"{"name": "x", "type": "words"}"#, "guardrails.rules.x: words: expected a list of words or phrases"),
            (#"{"name": "x", "type": "words", "words": ["a"], "action": "delete"}"#, "action: expected block, redact, hold or log"),
            (#"{"name": "x", "type": "regex", "pattern": "(unclosed"}"#, #"pattern: "(unclosed" is not a regular expression"#),
            (#"{"name": "x", "type": "moderation", "base_url": "ftp://x"}"#, "base_url: expected the http(s) root"),
            (#"{"name": "x", "type": "moderation", "base_url": "http://h/v1", "action": "redact"}"#, "finds no text to replace"),
            (#"{"name": "x", "type": "moderation", "base_url": "http://h/v1", "on_error": "ignore"}"#, "on_error: expected hold"),
            (#"{"name": "x", "type": "plugin"}"#, "plugin: expected the name of a guardrail plugin"),
            (#"{"name": "x", "type": "plugin", "plugin": "../etc"}"#, "plugin: expected the name of a guardrail plugin"),
            (#"{"name": "x", "type": "plugin", "plugin": "p", "config": [1]}"#, "config: expected an object"),
            (#"{"name": "x", "type": "plugin", "plugin": "p", "timeout": 0}"#, "timeout: expected seconds"),
            (#"{"type": "links"}"#, "guardrails.rules[0]: name: expected a name"),
            (#""links""#, "guardrails.rules[0]: expected an object"),
        ] {
            let error = #expect(throws: ConfigurationError.self, "\(rule)") {
                try workspace.load(config: #"{"plugins": {"offline": {}}, "guardrails": {"rules": [\#(rule)]}}"#)
            }
            #expect(error.map { "\($0)" }?.contains(fragment) == true, "\(rule): \(error.map { "\($0)" } ?? "")")
        }
        let twice = #expect(throws: ConfigurationError.self) {
            try workspace.load(config: #"{"guardrails": {"rules": [{"name": "a", "type": "links"}, {"name": "a", "type": "pii"}]}}"#)
        }
        #expect(twice.map { "\($0)" }?.contains("a second rule of this name") == true)
        let channel = #expect(throws: ConfigurationError.self) {
            try workspace.load(config: #"{"guardrails": {"rules": [{"name": "a", "type": "links"}]}, "channels": {"c": {"guardrails": {"rules": ["b"]}}}}"#)
        }
        #expect(channel.map { "\($0)" }?.contains(#"channels.c.guardrails.rules: no guardrail rule "b"; rules: a"#) == true, "\(channel.map { "\($0)" } ?? "")")
    }

    @Test func aFieldTheRuleDoesNotReadIsAWarningWithASuggestion() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: #"""
            {"guardrails": {"reveiw": true, "rules": [{"name": "w", "type": "words", "words": ["a"], "acton": "hold", "pattern": "x"}]}}
            """#)
        let warnings = configuration.warnings.map { "\($0)" }
        #expect(warnings.contains { $0.contains("guardrails.rules.w.acton") && $0.contains(#"did you mean "action""#) }, "\(warnings)")
        #expect(warnings.contains { $0.contains("guardrails.rules.w.pattern") && $0.contains("not read by a words rule") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("guardrails.reveiw") && $0.contains(#"did you mean "review""#) }, "\(warnings)")
        #expect(configuration.guardrails.rules.first?.action == .block, "a misspelt action leaves the rule blocking")
    }
}
