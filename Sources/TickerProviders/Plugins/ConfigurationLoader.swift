import Foundation
import TickerConfig
import TickerCore

/// Builds an `AppConfiguration` from the configuration layers (`ConfigurationReader`) with the
/// plugins it offers: the registry's and those `PluginDiscovery` finds (`PluginCatalog`).
public struct ConfigurationLoader: Sendable {
    public var reader: ConfigurationReader
    public var registry: PluginRegistry
    /// What loading each guide-style Python plugin found, kept across reloads of this loader.
    package let pythonDescriptions: PythonDescriptions

    public var sources: ConfigurationSources {
        get { reader.sources }
        set { reader.sources = newValue }
    }

    /// The service creates the admin token file when no token is configured; the CLI only reads it.
    public var createsAdminToken: Bool {
        get { reader.createsAdminToken }
        set { reader.createsAdminToken = newValue }
    }

    /// `listsPythonPlugins: false` for a command that uses no provider: no Python plugin file is
    /// run (each stays `pending`), so none can slow or outlive it.
    public init(sources: ConfigurationSources, registry: PluginRegistry, listsPythonPlugins: Bool = true) {
        reader = ConfigurationReader(sources: sources)
        self.registry = registry
        pythonDescriptions = PythonDescriptions(lists: listsPythonPlugins)
    }

    /// Reads every layer now; `overrides` is the runtime layer (persisted in SQLite). A Python
    /// plugin file not listed before is `pending` (its listing starts in the background); use
    /// `listed` to wait for it.
    public func load(overrides: [String: JSONValue] = [:]) throws(ConfigurationError) -> AppConfiguration {
        try loadWithPlugins(overrides: overrides).configuration
    }

    /// `loadWithPlugins` once every Python plugin file has been listed: waits for the listings
    /// it started (each ends by `global_settings.plugin_timeout`) and reads the layers again.
    public func listed(overrides: [String: JSONValue] = [:]) async throws(ConfigurationError) -> (configuration: AppConfiguration, plugins: PluginCatalog) {
        let loaded = try loadWithPlugins(overrides: overrides)
        guard loaded.plugins.listing else { return loaded }
        await pythonDescriptions.settle()
        return try loadWithPlugins(overrides: overrides)
    }

    /// `load`, and the plugins the configuration found.
    public func loadWithPlugins(overrides: [String: JSONValue] = [:]) throws(ConfigurationError) -> (configuration: AppConfiguration, plugins: PluginCatalog) {
        try reader.read(overrides: overrides) { settings in
            PluginCatalog(settings: settings, offered: registry, descriptions: pythonDescriptions)
        }
    }
}
