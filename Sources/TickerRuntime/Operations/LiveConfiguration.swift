import Synchronization
import TickerConfig
import TickerProviders

/// The configuration in force and the plugins it found, swapped together on reload; readers take
/// a consistent copy.
public final class LiveConfiguration: Sendable {
    private let current: Mutex<(configuration: AppConfiguration, plugins: PluginCatalog)>
    private let replaced = Atomic<Int>(0)

    /// Opens once the Python plugins the service started with are listed and their providers
    /// set up (or the service stops): the scheduler's first tick waits for it.
    let listingsApplied = Gate()

    public init(_ configuration: AppConfiguration, plugins: PluginCatalog) {
        current = Mutex((configuration, plugins))
        if !plugins.listing { listingsApplied.open() }
    }

    public var value: AppConfiguration { current.withLock { $0.configuration } }

    /// How many times the configuration was replaced: a reader that keeps what it derived from
    /// `hostRules` (the fast path, per connection) reads this atomic on each request instead of
    /// taking the lock, and derives again when it moved.
    package var generation: Int { replaced.load(ordering: .acquiring) }

    /// What `HostCheck` and the connection guard need, without copying the whole configuration.
    package var hostRules: (server: String, access: AccessConfiguration, perClient: Int) {
        current.withLock { ($0.configuration.server.host, $0.configuration.access, $0.configuration.server.maxConnectionsPerClient) }
    }

    /// Every plugin on offer, external ones with their path, status and errors (`GET /api/plugins`).
    public var plugins: PluginCatalog { current.withLock { $0.plugins } }

    func replace(with configuration: AppConfiguration, plugins: PluginCatalog) {
        current.withLock { $0 = (configuration, plugins) }
        replaced.add(1, ordering: .releasing)
    }
}

/// Closed until `open()`; then every waiter, present and future, goes on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }
}
