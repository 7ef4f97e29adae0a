import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Drives ticks from a `TickSource`. The first tick comes at once when the latest message is
/// older than the interval; a tick that fires while one runs is dropped and counted.
struct SchedulerService: Service {
    let source: any TickSource
    let ticks: TickService
    let store: any MessageStore
    let configuration: LiveConfiguration
    let logger: Logger
    var liveness = SchedulerLiveness()

    func run() async throws {
        liveness.set(true)
        defer { liveness.set(false) }
        let interval = Double(configuration.value.ticker.intervalSeconds)
        let age = (try? await store.latest()).map {
            // Imported messages carry the import's time, not their own: they are never fresh.
            $0.source == .imported ? .infinity : Date().timeIntervalSince($0.createdAt)
        } ?? .infinity
        let initialDelay = age >= interval ? 0 : interval - age
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let ticks = self.ticks
        let busy = Atomic<Bool>(false)
        source.start(interval: interval, initialDelay: initialDelay) {
            if busy.load(ordering: .acquiring) {
                Task { await ticks.countSkipped() }
            } else {
                continuation.yield()
            }
        }
        logger.info("scheduler started", metadata: ["interval_s": "\(Int(interval))", "first_tick_in_s": "\(Int(initialDelay))"])
        await withGracefulShutdownHandler {
            for await _ in stream {
                busy.store(true, ordering: .releasing)
                _ = await ticks.tick(trigger: .timer)
                busy.store(false, ordering: .releasing)
            }
        } onGracefulShutdown: {
            source.stop()
            continuation.finish()
        }
        logger.info("scheduler stopped")
    }
}

/// Probes provider health every `health_check_interval` with the providers' free endpoints.
struct HealthCheckService: Service {
    let router: ProviderRouter
    let configuration: LiveConfiguration
    let metrics: TickerMetrics

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await router.checkHealth()
            metrics.providerHealth(await router.statuses())
            let seconds = configuration.value.routing.healthCheckInterval
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
            } catch {
                return
            }
        }
    }
}
