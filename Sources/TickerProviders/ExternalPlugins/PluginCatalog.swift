import Foundation
import TickerConfig

/// The plugins one configuration can use: the registry's (unless built-ins are switched off) and
/// the external ones discovered on its paths, with a listing of each for `/api/plugins`. Built
/// once per load, between the global keys (which say where to look) and the provider entries
/// (which name plugins); answers what resolving an entry needs to know, and checks the resolved
/// settings against their plugin.
public struct PluginCatalog: PluginLookup, Sendable {
    public private(set) var registry: PluginRegistry
    public private(set) var listings: [PluginListing]
    private let settings: PluginSettings

    init(settings: PluginSettings, offered: PluginRegistry, descriptions: PythonDescriptions) {
        self.settings = settings
        var discovery = PluginDiscovery.Settings(paths: settings.customEnabled ? settings.paths : [], environment: settings.environment,
                                                 timeout: settings.loadTimeout, python: settings.python, descriptions: descriptions,
                                                 pythonByPlugin: settings.pythonByPlugin)
        if !settings.discoverAll { discovery.only = settings.named }
        let (external, externalListings) = PluginDiscovery.discover(discovery, builtin: offered)
        registry = offered
        if !settings.builtinEnabled {
            for plugin in PluginRegistry.builtin.all { registry.remove(named: plugin.metadata.name) }
        } else {
            // The Python plug-in systems of the seeds, run in the configured interpreter.
            for kind in [PythonLLMPlugin.Kind.backend, .model] where registry.plugin(named: kind.rawValue) == nil {
                registry.register(PythonLLMPlugin(kind: kind, interpreter: settings.pythonByPlugin[kind.rawValue] ?? settings.python,
                                                  environment: settings.environment))
            }
        }
        listings = registry.all.map { plugin in
            var listing = PluginListing(metadata: plugin.metadata, name: plugin.metadata.name, source: "builtin", path: nil, status: "loaded", errors: [])
            // What the environment offers, listed (in the background) when an entry uses the kind.
            if let python = plugin as? PythonLLMPlugin, settings.named.contains(python.kind.rawValue) {
                python.list(into: &listing, descriptions: descriptions, timeout: settings.loadTimeout)
            }
            return listing
        } + externalListings
        for plugin in external { registry.register(plugin) }
    }

    public func plugin(entry id: String, named: String?) -> PluginFacts? {
        if let plugin = registry.plugin(named: named ?? id) {
            return PluginFacts(name: plugin.metadata.name, apiKeyVariables: plugin.apiKeyVariables)
        }
        // The original's guide pairs my_provider.py (class MyCustomProvider) with an entry
        // "my_custom_provider": an entry named after a Python plugin's class finds that plugin.
        guard named == nil, let python = registry.all.compactMap({ $0 as? PythonPlugin }).first(where: { $0.classAlias == id }) else { return nil }
        return PluginFacts(name: python.name, apiKeyVariables: [])
    }

    public func missing(_ name: String) -> String {
        if !settings.builtinEnabled, PluginRegistry.builtin.plugin(named: name) != nil {
            return "built-in plugins are switched off (global_settings.auto_load_builtin, BUILTIN_PLUGINS_ENABLED)"
        }
        if !settings.customEnabled {
            return "custom plugins are switched off (global_settings.plugins_enabled, PLUGINS_ENABLED)"
        }
        let failed = listings.filter { $0.status != "loaded" }
        if let same = failed.first(where: { $0.name == name }) {
            return "plugin \"\(name)\" did not load: \(same.errors.joined(separator: "; "))"
        }
        var hint = ConfigFileCheck.suggestion(for: name, among: Set(registry.plugins.keys)).map { "; did you mean \"\($0)\"?" } ?? ""
        // An entry named after a Python class finds its plugin only once the class has loaded.
        let python = failed.filter { $0.interpreter != nil || $0.status == "pending" }.map { "\($0.name) (\($0.status))" }
        if hint.isEmpty, !python.isEmpty { hint = "; Python plugins that did not load: \(python.joined(separator: ", ")) (ai-ticker plugins list)" }
        return "unknown plugin \"\(name)\"\(hint)"
    }

    /// Whether a Python plugin's listing is still under way.
    public var listing: Bool {
        listings.contains { $0.status == "pending" }
    }

    public func problems(_ providers: [ProviderEntry]) -> [ConfigurationIssue] {
        providers.compactMap { entry in
            guard entry.unavailableReason == nil, let plugin = registry.plugin(named: entry.plugin) else { return nil }
            do {
                try plugin.validate(entry.config)
                return nil
            } catch let error as ProviderError {
                return ConfigurationIssue(source: "plugins.\(entry.id)", key: "config", reason: error.message)
            } catch {
                return ConfigurationIssue(source: "plugins.\(entry.id)", key: "config", reason: "\(error)")
            }
        }
    }
}
