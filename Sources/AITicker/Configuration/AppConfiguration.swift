import Logging

/// Everything the service runs with, resolved from all layers; replaced whole on reload.
public struct AppConfiguration: Sendable {
    public var server: ServerConfiguration
    public var databasePath: String
    public var ticker: TickerConfiguration
    public var routing: RoutingConfiguration
    public var logLevel: Logger.Level
    /// Secret; nil means admin routes answer loopback clients only.
    public var adminToken: String?
    public var providers: [ProviderEntry]
    /// Built-in, Swift-registered and valid external plugins, by name.
    public var registry: PluginRegistry
    /// Every plugin, external ones with their path, status and errors (`GET /api/plugins`).
    public var pluginListings: [PluginListing]
    /// Every effective value with its layer, secrets masked (`ai-ticker config`, `GET /api/config`).
    public var effective: [EffectiveSetting]
    /// The `plugin_config.json` path in use, whether or not it exists.
    public var configFile: String
}

/// `server.*`: where the HTTP API listens.
public struct ServerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// At most this many `/api/stream` clients at once.
    public var maxStreamClients: Int
    public var streamHeartbeatSeconds: Int
}

/// `ticker.*`: what to ask for and how often.
public struct TickerConfiguration: Sendable, Equatable {
    public var intervalSeconds: Int
    public var profile: String
    public var systemPrompt: String
    public var userPrompt: String
    public var fuzzyThreshold: Int
    public var dedupeWindow: Int
    public var retention: Int
    public var tickDeadlineSeconds: Int
}

/// What happens when every provider fails.
public enum FallbackBehavior: String, Sendable, Equatable {
    case useCache = "use_cache"
    case keepLast = "keep_last"
}

/// `global_settings.*`: health checks, circuit breaking and fallback.
public struct RoutingConfiguration: Sendable, Equatable {
    public var customPluginPaths: [String]
    public var pluginTimeout: Int
    public var healthCheckInterval: Int
    public var fallback: FallbackBehavior
    public var circuitFailureThreshold: Int
    public var circuitCooldownSeconds: Int
}

/// One entry of `plugins`: a provider instance and why it cannot run, if it cannot.
public struct ProviderEntry: Sendable, Equatable {
    public var id: String
    public var plugin: String
    public var enabled: Bool
    public var priority: Int
    public var config: ProviderConfig
    /// Set when the instance cannot be used (unknown plugin, key not set); never contains a secret.
    public var unavailableReason: String?
}

/// One effective configuration value and the layer it came from.
public struct EffectiveSetting: Sendable, Equatable, Codable {
    public var key: String
    public var value: JSONValue
    public var source: String
}
