import Foundation
import Hummingbird
import TickerConfig
import TickerCore
import TickerProviders
import TickerRuntime
import TickerStorage

/// `/api/health`, `/metrics` and `/openapi.json`.
package struct SystemController {
    let configuration: LiveConfiguration
    let router: ProviderRouter
    let store: any MessageStore
    let ticks: TickService
    let scheduler: ChannelScheduler
    let latest: LatestMessageCache
    let metrics: TickerMetrics
    let leadership: Leadership
    let compression: CompressionConfiguration

    package init(configuration: LiveConfiguration, router: ProviderRouter, store: any MessageStore, ticks: TickService,
                 scheduler: ChannelScheduler, latest: LatestMessageCache, metrics: TickerMetrics,
                 leadership: Leadership, compression: CompressionConfiguration) {
        self.configuration = configuration
        self.router = router
        self.store = store
        self.ticks = ticks
        self.scheduler = scheduler
        self.latest = latest
        self.metrics = metrics
        self.leadership = leadership
        self.compression = compression
    }

    package func register(on table: RouteTable) {
        table.add(.get, "/api/health") { _, _ in try await health() }
        table.add(.get, "/metrics") { _, _ in
            metrics.providerHealth(await router.statuses())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        let contract = FixedAnswer(OpenAPIDocument.bytes, contentType: "application/json; charset=utf-8", compression: compression)
        table.add(.get, "/openapi.json") { request, _ in contract.response(to: request) }
    }

    /// The original AI-Ticker's health (`status`, `providers` as name → healthy, `cache_size`,
    /// `timestamp`), with ai-ticker's own details under `summary`.
    struct Health: Encodable {
        struct Database: Encodable { let ok: Bool; let writable: Bool; let problem: String?; let integrity: String? }
        struct Scheduler: Encodable {
            let intervalSeconds: Int
            let lastTick: TickRecord?
            let nextTickAt: Date?
            let skippedTicks: Int
            let pausedTicks: Int
            enum CodingKeys: String, CodingKey {
                case intervalSeconds = "interval_seconds", lastTick = "last_tick", nextTickAt = "next_tick_at", skippedTicks = "skipped_ticks"
                case pausedTicks = "paused_ticks"
            }
        }
        struct Providers: Encodable { let total: Int; let available: Int; let healthy: Int; let selected: String? }
        /// This instance's role: always `leader` on SQLite; on PostgreSQL the lock holder leads.
        struct Cluster: Encodable { let role: Leadership.Role; let instance: String; let leader: String? }
        struct Summary: Encodable {
            let database: Database
            let scheduler: Scheduler
            let providers: Providers
            let cluster: Cluster
            let latestMessageID: Int64?
            enum CodingKeys: String, CodingKey { case database, scheduler, providers, cluster, latestMessageID = "latest_message_id" }
        }
        enum Status: String, Encodable { case healthy, degraded, down }
        let status: Status
        let providers: [String: Bool]
        let cacheSize: Int
        let timestamp: Double
        let summary: Summary
        enum CodingKeys: String, CodingKey { case status, providers, cacheSize = "cache_size", timestamp, summary }
    }

    /// Never calls a provider: reads the router's last known state and pings the database.
    private func health() async throws -> Response {
        let configuration = configuration.value
        let statuses = await router.statuses()
        // One read answers both whether the database works and how many messages it keeps.
        let stored = try? await store.storedCount()
        let databaseOK = stored != nil
        let usable = statuses.filter { $0.enabled && $0.available }
        let healthy = usable.filter { $0.health.status != .unhealthy && $0.health.circuit == .closed }
        let lastTick = await ticks.lastTick
        let writable = store.isWritable
        let status: Health.Status = !databaseOK && latest.snapshot == nil ? .down
            : (!databaseOK || !writable || healthy.isEmpty || lastTick?.outcome == .failed ? .degraded : .healthy)
        let summary = Health.Summary(
            database: .init(ok: databaseOK, writable: writable, problem: store.problem.map(PublicText.withoutPaths), integrity: store.integrity),
            scheduler: .init(intervalSeconds: configuration.ticker.intervalSeconds, lastTick: lastTick,
                             nextTickAt: scheduler.nextTick(defaultChannel), skippedTicks: await ticks.skippedTicks,
                             pausedTicks: await ticks.pausedTicks),
            providers: .init(total: statuses.count, available: usable.count, healthy: healthy.count, selected: statuses.first(where: \.selected)?.id),
            cluster: .init(role: leadership.current.role, instance: leadership.instance, leader: leadership.current.leader),
            latestMessageID: latest.snapshot?.message.id
        )
        let body = Health(status: status, providers: ProvidersController.ProviderList.healthMap(statuses),
                          cacheSize: stored ?? 0,
                          timestamp: Date().timeIntervalSince1970, summary: summary)
        return Response.json(body, status: status == .down ? .serviceUnavailable : .ok)
    }
}
