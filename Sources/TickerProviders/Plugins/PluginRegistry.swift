/// The plugins this process knows, by name. Swift packages add their own with `register`.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [String: any AIProviderPlugin] = [:]

    public init(_ plugins: [any AIProviderPlugin] = []) {
        for plugin in plugins { register(plugin) }
    }

    /// The plugins compiled into ai-ticker.
    public static var builtin: PluginRegistry {
        PluginRegistry(
            [OfflinePlugin(), MockPlugin(), OpenAICompatiblePlugin(), OllamaPlugin(), AnthropicPlugin(), GeminiPlugin()]
                + OpenAICompatiblePlugin.presets.map { OpenAICompatiblePlugin(preset: $0) }
        )
    }

    /// Adds or replaces a plugin under its metadata name.
    public mutating func register(_ plugin: any AIProviderPlugin) {
        plugins[plugin.metadata.name] = plugin
    }

    public mutating func remove(named name: String) {
        plugins[name] = nil
    }

    public func plugin(named name: String) -> (any AIProviderPlugin)? {
        plugins[name]
    }

    /// All plugins, sorted by name for stable listings.
    public var all: [any AIProviderPlugin] {
        plugins.values.sorted { $0.metadata.name < $1.metadata.name }
    }
}
