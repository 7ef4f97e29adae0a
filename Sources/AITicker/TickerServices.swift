import AsyncHTTPClient
import Logging
import TickerHTTP
import TickerProviders
import TickerRuntime
import TickerStorage

/// The parts of a running ai-ticker, wired once by `buildServices` and handed to the HTTP
/// controllers and the command line.
public struct TickerServices: Sendable {
    public let configuration: LiveConfiguration
    public let reloads: ReloadCoordinator
    public let store: any MessageStore
    /// What this instance does for the others on its database (nothing on SQLite).
    public let cluster: any ClusterDuties
    public let ticks: TickService
    /// Every channel's latest message and stream.
    public let caches: ChannelCaches
    /// The default channel's, which today's routes serve.
    public var latest: LatestMessageCache { caches.defaultCache }
    public let metrics: TickerMetrics
    /// Every channel's timer.
    public let scheduler: ChannelScheduler
    let router: ProviderRouter
    /// The service's logger, whose level follows `logging.level` at runtime.
    public let logger: Logger
    /// Set when `buildServices` created the client, so `shutdown()` closes it.
    let ownedHTTPClient: HTTPClient?
    /// The guardrail plugins' processes.
    let guardrails: ExternalGuardrails

    /// Starts every configured provider (once; the first tick or health check does it too).
    public func startProviders() async {
        await router.start()
    }

    /// Every configured provider with its health, best first; one not started yet says "starting".
    public func providerStatuses() async -> [ProviderStatus] {
        await router.statuses()
    }

    /// Probes every provider now.
    public func checkHealth() async {
        await router.checkHealth()
    }

    /// Shuts every provider down (child processes, connections), then the HTTP client if owned,
    /// and lets another instance have the database.
    public func shutdown() async {
        await router.shutdownAll()
        await guardrails.stopAll()
        Orphans.end()
        try? await ownedHTTPClient?.shutdown()
        await store.close()
    }
}
