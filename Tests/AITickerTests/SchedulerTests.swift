import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import AITicker
@testable import TickerRuntime

@Suite("Scheduler")
struct SchedulerTests {
    /// Runs a `SchedulerService` on `services` until `body` returns.
    func withScheduler(_ services: TickerServices, _ source: ManualTickSource, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = SchedulerService(source: source, ticks: services.ticks, store: services.store,
                                         configuration: services.configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while source.initialDelay == nil { try await Task.sleep(for: .milliseconds(10)) }
            try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func waitForMessages(_ services: TickerServices, count: Int) async throws {
        for _ in 0..<200 where try await services.store.messages(limit: 200, before: nil).count < count {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func theFirstTickIsImmediateWhenThereIsNoRecentMessageAndTimerTicksStore() async throws {
        let workspace = try TestWorkspace()
        let (services, source) = try await workspace.services()
        try await withScheduler(services, source) {
            #expect(source.initialDelay == 0)
            #expect(source.interval == 300)
            source.fire()
            try await waitForMessages(services, count: 1)
            #expect(try await services.store.latest()?.provider == "offline")
            #expect(try await services.store.recentTicks(limit: 1).first?.trigger == .timer)
        }
    }

    @Test func aRecentMessageDelaysTheFirstTickByTheRestOfTheInterval() async throws {
        let workspace = try TestWorkspace()
        let (services, source) = try await workspace.services()
        _ = await services.ticks.tick(trigger: .manual)
        try await withScheduler(services, source) {
            let delay = try #require(source.initialDelay)
            #expect(delay > 290 && delay <= 300)
        }
    }

    @Test func aTimerTickDuringARunningTickIsSkippedAndCounted() async throws {
        let workspace = try TestWorkspace()
        let (services, source) = try await workspace.services(config: pluginConfig(#"{"slow": {"plugin": "mock", "config": {"extra_params": {"latency_ms": 400}}}}"#))
        try await withScheduler(services, source) {
            source.fire()
            try await Task.sleep(for: .milliseconds(100))
            source.fire()
            source.fire()
            try await waitForMessages(services, count: 1)
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await services.store.messages(limit: 10, before: nil).count == 1, "skipped ticks do not run later")
            #expect(await services.ticks.skippedTicks == 2)
        }
    }
}
