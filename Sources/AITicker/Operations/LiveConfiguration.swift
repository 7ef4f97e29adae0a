import Synchronization

/// The configuration in force and the plugins it found, swapped together on reload; readers take
/// a consistent copy.
public final class LiveConfiguration: Sendable {
    private let current: Mutex<(configuration: AppConfiguration, plugins: PluginCatalog)>

    public init(_ configuration: AppConfiguration, plugins: PluginCatalog) {
        current = Mutex((configuration, plugins))
    }

    public var value: AppConfiguration { current.withLock { $0.configuration } }

    /// What `HostCheck` and the connection guard need, without copying the whole configuration.
    var hostRules: (server: String, access: AccessConfiguration, perClient: Int) {
        current.withLock { ($0.configuration.server.host, $0.configuration.access, $0.configuration.server.maxConnectionsPerClient) }
    }

    /// Every plugin on offer, external ones with their path, status and errors (`GET /api/plugins`).
    public var plugins: PluginCatalog { current.withLock { $0.plugins } }

    func replace(with configuration: AppConfiguration, plugins: PluginCatalog) {
        current.withLock { $0 = (configuration, plugins) }
    }
}
