import Foundation
import TickerCore

extension ConfigResolver {
    /// `guardrails.review` through the layers, and `guardrails.rules` from the file, each rule
    /// checked; a problem names `guardrails.rules.<name>.<field>` (or the rule's place when it has
    /// no usable name). A rule's `enabled` comes through the layers, so it can be switched at runtime.
    mutating func resolveGuardrails(file: ConfigFile, source: String) -> GuardrailConfiguration {
        var configuration = GuardrailConfiguration(review: value(Key.Guardrails.review))
        guard let rules = file.root["guardrails"]?.objectValue?["rules"] else { return configuration }
        guard case .array(let entries) = rules else {
            issues.append(.init(source: source, key: "guardrails.rules", reason: "expected a list of rules"))
            return configuration
        }
        var names = Set<String>()
        for (position, entry) in entries.enumerated() {
            var reader = RuleReader(fields: entry.objectValue ?? [:], key: "guardrails.rules[\(position)]", source: source)
            guard entry.objectValue != nil else {
                issues.append(reader.issue("expected an object with name, type and action"))
                continue
            }
            guard let name = reader.string("name"), ChannelConfiguration.nameProblem(name) == nil else {
                issues.append(reader.issue("name: expected a name of 1 to 64 lowercase letters, digits or '-'"))
                continue
            }
            reader.key = "guardrails.rules.\(name)"
            guard names.insert(name).inserted else {
                issues.append(reader.issue("a second rule of this name; names must be unique"))
                continue
            }
            if let rule = reader.rule(name: name, interpolate: { interpolate($0, missing: &$1) }) {
                var rule = rule
                if case .bool(let enabled)? = read("guardrails.rules.\(name).enabled", Key.Guardrails.ruleEnabled.spec) { rule.enabled = enabled }
                configuration.rules.append(rule)
            }
            issues += reader.issues
            warnings += reader.warnings
        }
        return configuration
    }
}

extension ConfigResolver {
    /// A plugin rule whose plugin is in none of the custom plugin paths loads (it fails closed:
    /// every check fails, and its `on_error` decides), with a warning saying where it looked.
    mutating func warnGuardrailPluginsMissing(_ guardrails: GuardrailConfiguration, plugins: PluginSettings, source: String) {
        let roots = plugins.customEnabled ? plugins.paths : []
        for rule in guardrails.rules where rule.kind == .plugin && rule.enabled {
            guard let name = rule.plugin else { continue }
            let found = roots.contains { root in
                let base = URL(fileURLWithPath: root)
                return FileManager.default.fileExists(atPath: base.appendingPathComponent(name + ".py").path)
                    || FileManager.default.fileExists(atPath: base.appendingPathComponent(name).appendingPathComponent("plugin.json").path)
            }
            guard !found else { continue }
            warnings.append(ConfigurationIssue(source: source, key: "guardrails.rules.\(rule.name).plugin",
                                               reason: "no guardrail plugin \(name) (\(name).py or \(name)/plugin.json) in \(roots.isEmpty ? "any custom plugin path" : roots.joined(separator: ", ")); "
                                                   + "every check fails and on_error (\(rule.onError.rawValue)) decides"))
        }
    }
}

/// Reads one rule's fields, collecting what is wrong with them.
private struct RuleReader {
    let fields: [String: JSONValue]
    var key: String
    let source: String
    var issues: [ConfigurationIssue] = []
    var warnings: [ConfigurationIssue] = []

    typealias Kind = GuardrailRuleConfiguration.Kind

    static let common: Set<String> = ["name", "type", "action", "enabled", "replacement", "description"]
    static let byKind: [Kind: Set<String>] = [
        .words: ["words"], .regex: ["pattern", "patterns", "case_sensitive"],
        .moderation: ["base_url", "api_key", "model", "timeout", "on_error", "categories", "thresholds"], .plugin: ["plugin", "config", "timeout", "on_error"],
    ]

    func issue(_ reason: String) -> ConfigurationIssue {
        ConfigurationIssue(source: source, key: key, reason: reason)
    }

    func string(_ field: String) -> String? { fields[field]?.stringValue }

    mutating func rule(name: String, interpolate: (String, inout [String]) -> String) -> GuardrailRuleConfiguration? {
        guard let type = string("type"), let kind = Kind(rawValue: type) else {
            issues.append(issue("type: expected one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \(fields["type"].map { "\($0)" } ?? "none")"))
            return nil
        }
        let allowed = Self.common.union(Self.byKind[kind] ?? [])
        for field in fields.keys.sorted() where !allowed.contains(field) {
            let hint = ConfigFileCheck.suggestion(for: field, among: allowed).map { "; did you mean \"\($0)\"?" } ?? ""
            warnings.append(ConfigurationIssue(source: source, key: "\(key).\(field)", reason: "not read by a \(type) rule, ignored\(hint)"))
        }
        var rule = GuardrailRuleConfiguration(name: name, kind: kind)
        if let action = fields["action"] {
            guard let text = action.stringValue, let parsed = GuardrailRuleConfiguration.Action(rawValue: text) else {
                issues.append(issue("action: expected block, redact, hold or log"))
                return nil
            }
            rule.action = parsed
        }
        if rule.action == .redact, kind == .moderation || kind == .plugin {
            issues.append(issue("action: a \(type) rule finds no text to replace; use block, hold or log"))
        }
        if case .bool(let enabled)? = fields["enabled"] { rule.enabled = enabled }
        if let replacement = string("replacement") { rule.replacement = replacement }
        switch kind {
        case .words:
            rule.words = strings("words") ?? []
            if rule.words.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { issues.append(issue("words: expected a list of words or phrases")) }
        case .regex:
            rule.patterns = (string("pattern").map { [$0] } ?? []) + (strings("patterns") ?? [])
            rule.caseSensitive = fields["case_sensitive"]?.boolValue ?? false
            if rule.patterns.isEmpty { issues.append(issue("pattern: expected a regular expression")) }
            for pattern in rule.patterns {
                do { _ = try NSRegularExpression(pattern: pattern) } catch {
                    issues.append(issue("pattern: \"\(pattern.prefix(80))\" is not a regular expression"))
                }
            }
        case .moderation:
            rule.moderation = moderation(interpolate: interpolate)
            if !callOut(&rule) { return nil }
        case .plugin:
            rule.plugin = string("plugin")
            if rule.plugin.map(Self.isPluginName) != true { issues.append(issue("plugin: expected the name of a guardrail plugin (letters, digits, - or _)")) }
            if let config = fields["config"] {
                guard let object = config.objectValue else {
                    issues.append(issue("config: expected an object, the settings the plugin's initialize gets"))
                    return nil
                }
                rule.pluginConfig = object
            }
            if !callOut(&rule) { return nil }
        case .secrets, .pii, .links, .promptEcho:
            break
        }
        return rule
    }

    private mutating func moderation(interpolate: (String, inout [String]) -> String) -> GuardrailRuleConfiguration.Moderation? {
        guard let base = string("base_url"), let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            issues.append(issue("base_url: expected the http(s) root of an OpenAI-compatible API, such as https://api.openai.com/v1"))
            return nil
        }
        var moderation = GuardrailRuleConfiguration.Moderation(baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base)
        if let key = string("api_key") {
            var missing: [String] = []
            let value = interpolate(key, &missing)
            if !missing.isEmpty { warnings.append(issue("api_key: \(missing.joined(separator: ", ")) not set; the check runs without a key")) }
            moderation.apiKey = value.isEmpty ? nil : value
        }
        moderation.model = string("model")
        moderation.categories = strings("categories") ?? []
        if let thresholds = fields["thresholds"] {
            for (category, value) in thresholds.objectValue ?? [:] {
                guard let score = value.doubleValue, (0...1).contains(score) else {
                    issues.append(issue("thresholds.\(category): expected a score between 0 and 1"))
                    continue
                }
                moderation.thresholds[category] = score
            }
        }
        return moderation
    }

    /// `timeout` and `on_error` of a rule that calls out; false when either is wrong.
    private mutating func callOut(_ rule: inout GuardrailRuleConfiguration) -> Bool {
        if let timeout = fields["timeout"] {
            guard let seconds = timeout.doubleValue, seconds > 0, seconds <= 60 else {
                issues.append(issue("timeout: expected seconds between 0 and 60"))
                return false
            }
            rule.timeoutSeconds = seconds
        }
        if let onError = fields["on_error"] {
            guard let parsed = onError.stringValue.flatMap(GuardrailRuleConfiguration.OnError.init) else {
                issues.append(issue("on_error: expected hold (the default: fail closed) or publish"))
                return false
            }
            rule.onError = parsed
        }
        return true
    }

    static func isPluginName(_ name: String) -> Bool {
        name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"#, options: .regularExpression) != nil
    }

    private mutating func strings(_ field: String) -> [String]? {
        guard let value = fields[field] else { return nil }
        guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
            issues.append(issue("\(field): expected a list of strings"))
            return nil
        }
        return items.compactMap(\.stringValue)
    }
}

extension GuardrailConfiguration {
}
