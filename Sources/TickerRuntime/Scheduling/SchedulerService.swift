import Foundation
import Logging
import ServiceLifecycle
import TickerConfig
import TickerCore
import TickerProviders
import TickerStorage

/// Runs every channel's timer (`ChannelScheduler`) while the service runs. An interval channel's
/// first tick comes at once when its latest message is older than the interval. Each firing asks
/// `TickService` for a tick, which alone decides that a firing while the channel's tick runs is
/// dropped and counted; shutdown waits for the ticks under way.
package struct SchedulerService: Service {
    let scheduler: ChannelScheduler
    let ticks: TickService
    let configuration: LiveConfiguration
    let logger: Logger
    var liveness = SharedFlag()

    package init(scheduler: ChannelScheduler, ticks: TickService, configuration: LiveConfiguration, logger: Logger,
                 liveness: SharedFlag = SharedFlag()) {
        self.scheduler = scheduler
        self.ticks = ticks
        self.configuration = configuration
        self.logger = logger
        self.liveness = liveness
    }

    package func run() async throws {
        liveness.set(true)
        defer { liveness.set(false) }
        // The first message comes from the configured providers, not from those still being listed.
        await withGracefulShutdownHandler {
            await configuration.listingsApplied.wait()
        } onGracefulShutdown: {
            configuration.listingsApplied.open()
        }
        guard !Task.isShuttingDownGracefully else { return }
        await ticks.timer(running: true)
        let channels = configuration.value.channels
        await scheduler.start(channels)
        for channel in channels {
            logger.info("scheduler started", metadata: [
                "channel": "\(channel.name)", "schedule": "\(channel.schedule.summary)",
                "next_tick": "\(scheduler.nextTick(channel.name).map(RFC3339.string) ?? "none")",
            ])
        }
        try? await gracefulShutdown()
        scheduler.stop()
        await ticks.timer(running: false)
        logger.info("scheduler stopped")
    }
}

/// Probes provider health every `health_check_interval` with the providers' free endpoints.
/// Only the leader probes (one set of probes per database, not one per instance) and shares
/// the results through the database (`ClusterDuties`); an instance standing by takes the shared results every few
/// seconds, and probes at once when it becomes the leader. A reload that adds or changes a
/// provider is followed by a probe within seconds.
package struct HealthCheckService: Service {
    let router: ProviderRouter
    let configuration: LiveConfiguration
    let metrics: TickerMetrics
    let cluster: any ClusterDuties
    let leadership: Leadership
    let logger: Logger

    package init(router: ProviderRouter, configuration: LiveConfiguration, metrics: TickerMetrics,
                 cluster: any ClusterDuties, leadership: Leadership, logger: Logger) {
        self.router = router
        self.configuration = configuration
        self.metrics = metrics
        self.cluster = cluster
        self.leadership = leadership
        self.logger = logger
    }

    package func run() async throws {
        var lastProbe: (at: ContinuousClock.Instant, revision: Int)?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = Duration.seconds(configuration.value.routing.healthCheckInterval)
            let revision = await router.revision
            if !leadership.isLeader {
                lastProbe = nil
                if let shared = try? await cluster.sharedHealth() { await router.apply(shared) }
            } else if lastProbe.map({ $0.at + interval <= .now || $0.revision != revision }) ?? true {
                // Due, or a reload changed the providers: their last results may describe others.
                lastProbe = (.now, revision)
                let probes = await router.checkHealth()
                do {
                    try await cluster.shareHealth(probes, by: leadership.instance)
                } catch {
                    logger.warning("health results not shared with the other instances", metadata: ["error": "\(error)"])
                }
            }
            metrics.providerHealth(await router.statuses())
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: min(interval, .seconds(5))) }
            } catch {
                return
            }
        }
    }
}
