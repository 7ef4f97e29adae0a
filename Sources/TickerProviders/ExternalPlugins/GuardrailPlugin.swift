import Foundation
import Logging
import TickerConfig
import TickerCore

/// A guardrail plugin (docs/writing-a-provider.md, "Writing a guardrail"): a directory in a
/// custom plugin path whose `plugin.json` names a command, or a Python module `NAME.py` with a
/// `check(text, context)` function, which ai-ticker's Python host serves. Either speaks the
/// plugin protocol over stdio, with `check` beside `initialize`: `{"text", "context"}` in,
/// `{"action": "allow" | "block" | "hold" | "log", "reason"}` out. One process per rule,
/// started on its first check and again after a crash, like a provider plugin's.
package struct GuardrailPlugin: Sendable {
    /// What a plugin may answer; `allow` lets the text pass.
    package static let actions = ["allow", "block", "hold", "log"]

    /// The plugin's process, started and initialized as a provider plugin's is.
    let provider: ExternalProvider

    /// The plugin `name` in the custom plugin paths, its `initialize` given `config` (as
    /// `config.extra_params`). Throws `ProviderError.misconfigured` saying where it looked.
    package init(_ name: String, settings: PluginSettings, config: [String: JSONValue], timeout: Double, logger: Logger) throws {
        let fileManager = FileManager.default
        let roots = settings.customEnabled ? settings.paths : []
        var launch: PluginLaunch?
        for root in roots where launch == nil {
            let directory = URL(fileURLWithPath: root).appendingPathComponent(name)
            let module = URL(fileURLWithPath: root).appendingPathComponent(name + ".py")
            if let data = fileManager.contents(atPath: directory.appendingPathComponent("plugin.json").path) {
                let parsed = PluginManifest.parse(data, directory: directory, environment: settings.environment)
                guard let manifest = parsed.manifest else {
                    throw ProviderError.misconfigured("guardrail plugin \(name): \(parsed.errors.joined(separator: "; "))")
                }
                launch = ExternalPlugin(manifest: manifest, directory: directory).launch
            } else if fileManager.fileExists(atPath: module.path) {
                let interpreter = settings.pythonByPlugin[name] ?? settings.python
                let program = PythonHost.locate(interpreter, environment: settings.environment) ?? interpreter
                launch = PluginLaunch(name: name, command: [program] + PythonHost.arguments(mode: "guardrail", path: module),
                                      directory: module.deletingLastPathComponent(), environment: PythonHost.environment(settings.environment), models: [])
            }
        }
        guard let launch else {
            throw ProviderError.misconfigured("no guardrail plugin \(name) (\(name)/plugin.json or \(name).py) in \(roots.isEmpty ? "any custom plugin path" : roots.joined(separator: ", "))")
        }
        provider = ExternalProvider(launch: launch, config: ProviderConfig(name: name, timeout: timeout, extraParams: config), logger: logger)
    }

    /// The plugin's verdict on `text`: nil when it allows it. Throws when the plugin fails or
    /// answers something else (the rule's `on_error` decides then).
    package func check(_ text: String, context: [String: JSONValue]) async throws -> (action: String, reason: String)? {
        try await provider.ready()
        let result = try await provider.process.call("check", params: .object(["text": .string(text), "context": .object(context)]))
        guard let action = result[key: "action"]?.stringValue, Self.actions.contains(action) else {
            throw ProviderError.badResponse("check answered without an action of \(Self.actions.joined(separator: ", "))")
        }
        provider.process.markHealthy()
        guard action != "allow" else { return nil }
        let reason = result[key: "reason"]?.stringValue.map { MessageText.visible(String($0.prefix(200))) }
        return (action, reason.flatMap { $0.isEmpty ? nil : $0 } ?? "the plugin said \(action)")
    }

    /// Changes when the plugin's command, environment or files change.
    package var fingerprint: String { provider.launch.fingerprint }

    package func stop() async {
        await provider.shutdown()
    }
}
