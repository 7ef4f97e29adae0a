import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import TickerConfig
import TickerCore
import TickerProviders
import TickerRuntime

/// The checks of the guardrail rules that call out: a moderation rule asks its endpoint over the
/// service's HTTP client, a plugin rule its plugin's process. Plugin processes live here, one
/// per rule, across ticks and channels; a rule whose plugin or settings changed gets a new one
/// (the old one is stopped), and all stop with the service.
final class ExternalGuardrails: Sendable {
    private let httpClient: HTTPClient
    private let configuration: LiveConfiguration
    private let logger: Logger
    private let plugins = Mutex<[String: (key: String, plugin: GuardrailPlugin)]>([:])

    init(httpClient: HTTPClient, configuration: LiveConfiguration, logger: Logger) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
    }

    /// The rule's check; nil for the local kinds (TickerRuntime runs those itself).
    func rule(_ rule: GuardrailRuleConfiguration) -> ExternalRule? {
        let onError: GuardrailAction = rule.onError == .hold ? .hold : .log
        let (action, timeout) = (rule.action, rule.timeoutSeconds)
        switch rule.kind {
        case .moderation:
            guard let settings = rule.moderation else { return nil }
            let client = ModerationClient(client: httpClient, settings: settings, timeout: timeout)
            return ExternalRule(name: rule.name, onError: onError) { text, _ in
                let flagged = try await client.flagged(text)
                return flagged.isEmpty ? nil : .init(action: action, reason: "the moderation endpoint flagged it (\(flagged.joined(separator: ", ")))")
            }
        case .plugin:
            let plugin: GuardrailPlugin
            do {
                plugin = try self.plugin(for: rule)
            } catch {
                // Not there: every check fails, and on_error decides (hold by default).
                let problem = error
                logger.error("guardrail plugin not available", metadata: ["rule": "\(rule.name)", "error": "\(ProviderError(problem).message)"])
                return ExternalRule(name: rule.name, onError: onError) { _, _ in throw problem }
            }
            return ExternalRule(name: rule.name, onError: onError) { text, context in
                let context: [String: JSONValue] = ["channel": .string(context.channel), "provider": .string(context.provider),
                                                    "prompts": .array(context.prompts.map(JSONValue.string))]
                let verdict = try await withTimeout(seconds: timeout) { try await plugin.check(text, context: context) }
                guard let verdict else { return nil }
                // The plugin names the action; a rule set to log (trying a plugin out) only logs.
                let chosen = action == .log ? .log : GuardrailAction(rawValue: verdict.action) ?? .hold
                return .init(action: chosen, reason: verdict.reason)
            }
        default:
            return nil
        }
    }

    /// The running process of the rule's plugin, or a new one when there is none or the
    /// plugin's files or the rule's settings changed.
    private func plugin(for rule: GuardrailRuleConfiguration) throws -> GuardrailPlugin {
        let fresh = try GuardrailPlugin(rule.plugin ?? "", settings: configuration.value.plugins, config: rule.pluginConfig,
                                        timeout: rule.timeoutSeconds, logger: logger)
        let key = "\(rule.plugin ?? "")\u{0}\(fresh.fingerprint)\u{0}\(rule.pluginConfig)\u{0}\(rule.timeoutSeconds)"
        let (kept, replaced) = plugins.withLock { plugins -> (GuardrailPlugin, GuardrailPlugin?) in
            if let running = plugins[rule.name], running.key == key { return (running.plugin, nil) }
            let old = plugins[rule.name]?.plugin
            plugins[rule.name] = (key, fresh)
            return (fresh, old)
        }
        if let replaced { Task { await replaced.stop() } }
        return kept
    }

    func stopAll() async {
        for plugin in plugins.withLock({ plugins in defer { plugins = [:] }; return plugins.values.map(\.plugin) }) {
            await plugin.stop()
        }
    }
}
