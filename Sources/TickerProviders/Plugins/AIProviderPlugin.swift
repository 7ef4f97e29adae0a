import TickerConfig

/// Where a plugin comes from, as listed by `/api/plugins`.
public enum PluginCategory: String, Codable, Sendable {
    case official, community, custom
}

/// What `/api/plugins` and `ai-ticker plugins` say about a plugin.
public struct PluginMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var version: String
    public var author: String
    public var description: String
    /// Environment variables or settings the plugin needs, e.g. `OPENAI_API_KEY`.
    public var requires: [String]
    public var category: PluginCategory
    public var apiVersion: String
    public var supportedFeatures: [String]
    public var homepage: String?
    public var documentation: String?
    public var license: String?

    public init(
        name: String, displayName: String, version: String, author: String, description: String,
        requires: [String] = [], category: PluginCategory = .official, apiVersion: String = "v1",
        supportedFeatures: [String] = [], homepage: String? = nil, documentation: String? = nil, license: String? = nil
    ) {
        self.name = name
        self.displayName = displayName
        self.version = version
        self.author = author
        self.description = description
        self.requires = requires
        self.category = category
        self.apiVersion = apiVersion
        self.supportedFeatures = supportedFeatures
        self.homepage = homepage
        self.documentation = documentation
        self.license = license
    }

    enum CodingKeys: String, CodingKey {
        case name, displayName = "display_name", version, author, description, requires, category
        case apiVersion = "api_version", supportedFeatures = "supported_features", homepage, documentation, license
    }
}

/// A kind of provider: metadata plus a factory that validates a config and builds an instance.
public protocol AIProviderPlugin: Sendable {
    var metadata: PluginMetadata { get }
    /// Environment variables that hold the key when `api_key` is null or missing; empty when
    /// the plugin needs no key.
    var apiKeyVariables: [String] { get }
    /// Throws `ProviderError.misconfigured` with a clear reason when the settings cannot work;
    /// loading a configuration calls it for every entry, so a bad one is rejected before it runs.
    func validate(_ config: ProviderConfig) throws
    /// Builds a provider without doing any I/O, throwing as `validate` does.
    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider
    /// For a plugin whose providers run a process: what that process would be started with now
    /// (command, environment, files). A reload keeps a running provider while its
    /// `launchFingerprint` matches this, and starts it again otherwise. Nil for in-process plugins.
    var launchFingerprint: String? { get }
}

extension AIProviderPlugin {
    public var apiKeyVariables: [String] { [] }
    public func validate(_ config: ProviderConfig) throws {}
    public var launchFingerprint: String? { nil }
}
