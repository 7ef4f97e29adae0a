/// `global_settings.*` about plugins, as plain values: which kinds are on and where external
/// ones are looked for. `PluginCatalog` (ExternalPlugins/) finds the plugins they describe.
public struct PluginSettings: Sendable, Equatable {
    /// `global_settings.auto_load_builtin` (`BUILTIN_PLUGINS_ENABLED`).
    public var builtinEnabled: Bool
    /// `global_settings.plugins_enabled` (`PLUGINS_ENABLED`): whether `paths` are searched.
    public var customEnabled: Bool
    /// `global_settings.custom_plugin_paths`.
    public var paths: [String]
    /// `global_settings.plugin_discovery`: load every plugin found, or only those entries name.
    public var discoverAll: Bool
    /// The plugin names (or ids) the `plugins` entries use.
    public var named: Set<String>
    /// `global_settings.python`, and `plugins.<id>.python` by plugin name.
    public var python: String
    public var pythonByPlugin: [String: String]
    /// Seconds a guide-style Python plugin may take to be read (`global_settings.plugin_timeout`).
    public var loadTimeout: Double
    /// The variables (environment over `.env`) an external plugin's manifest and process see.
    public var environment: [String: String]
}

/// What one plugin tells the resolving of an entry that uses it.
public struct PluginFacts: Sendable, Equatable {
    public var name: String
    public var apiKeyVariables: [String]

    public init(name: String, apiKeyVariables: [String]) {
        self.name = name
        self.apiKeyVariables = apiKeyVariables
    }
}

/// What resolving the `plugins` entries needs from the plugins on offer; `PluginCatalog` answers.
public protocol PluginLookup {
    /// The plugin an entry uses: the one it names (`plugin`), else the one named like its id.
    func plugin(entry id: String, named: String?) -> PluginFacts?
    /// Why no plugin of this name is on offer.
    func missing(_ name: String) -> String
    /// What each usable entry's plugin says is wrong with its settings.
    func problems(_ providers: [ProviderEntry]) -> [ConfigurationIssue]
}
