import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import AITicker
@testable import TickerRuntime
@testable import TickerCore

@Suite("Scheduler")
struct SchedulerTests {
    /// Runs a `SchedulerService` on `services` until `body` returns.
    func withScheduler(_ services: TickerServices, _ source: ManualTickSource, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = SchedulerService(scheduler: services.scheduler, ticks: services.ticks, configuration: services.configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [scheduler], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while source.nextFireDate(defaultChannel) == nil { try await Task.sleep(for: .milliseconds(10)) }
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
            #expect(try #require(source.nextFireDate(defaultChannel)).timeIntervalSinceNow <= 0)
            let due = try #require(source.nextFireDate(defaultChannel))
            source.fire()
            #expect(source.nextFireDate(defaultChannel) == due.addingTimeInterval(300), "the next one interval after it")
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
            let delay = try #require(source.nextFireDate(defaultChannel)).timeIntervalSinceNow
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

/// A test clock the scheduler reads and the test moves.
final class TestClock: Sendable {
    private let time: Mutex<Date>
    init(_ start: Date) { time = Mutex(start) }
    var now: Date { time.withLock { $0 } }
    func set(_ date: Date) { time.withLock { $0 = date } }
}

@Suite("Channels on their schedules")
struct ChannelSchedulingTests {
    /// A slow channel's tick does not hold up another channel's, and each message reaches only
    /// its own channel's cache.
    @Test func channelsTickSideBySideAndPublishToTheirOwnCache() async throws {
        let workspace = try TestWorkspace()
        let config = """
            {"plugins": {"slow": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"latency_ms": 8000}}}, "fast": {"plugin": "mock", "priority": 2}},
             "channels": {"slow": {"providers": ["slow"]}, "fast": {"providers": ["fast"]}}}
            """
        let (services, _) = try await workspace.services(config: config)
        let slowDone = SharedFlag()
        let slow = Task {
            let outcome = await services.ticks.tick(channel: "slow", trigger: .manual)
            slowDone.set(true)
            return outcome
        }
        try await Task.sleep(for: .milliseconds(200))
        guard case .stored(let fast) = await services.ticks.tick(channel: "fast", trigger: .manual) else { Issue.record("no fast message"); return }
        #expect(!slowDone.isAlive, "the fast channel's tick ended while the slow one's still ran")
        #expect(fast.channel == "fast" && fast.provider == "fast")
        guard case .stored(let slowMessage) = await slow.value else { Issue.record("no slow message"); return }
        #expect(slowMessage.provider == "slow")
        #expect(services.caches.cache("fast").snapshot?.message.id == fast.id)
        #expect(services.caches.cache("slow").snapshot?.message.id == slowMessage.id)
        #expect(services.latest.snapshot == nil, "the default channel shows neither")
        #expect(try await services.store.recentTicks(channel: "fast", limit: 5).map(\.messageID) == [fast.id])
        await services.shutdown()
    }

    /// An hour on a test clock: every channel ticks on its schedule, once per time, and a channel
    /// outside its active hours does not tick at all until its window opens. Cron channels with
    /// no message yet have their first at once.
    @Test func anHourOfTicksOnATestClockComesOnTimeAndNeverTwice() async throws {
        let workspace = try TestWorkspace()
        let config = """
            {"plugins": {"mock": {}}, "ticker": {"dedupe_window": 0},
             "channels": {"minutely": {"schedule": {"cron": "* * * * *"}},
                          "quarterly": {"schedule": {"cron": "*/15 * * * *"}},
                          "office": {"schedule": {"interval_seconds": 60, "time_zone": "Europe/Berlin", "active_hours": "09:00-10:00"}}}}
            """
        let (services, _) = try await workspace.services(config: config)
        let start = try #require(RFC3339.date(from: "2026-12-07T07:30:00Z"))  // 08:30 in Berlin
        let clock = TestClock(start)
        let source = ManualTickSource()
        let scheduler = ChannelScheduler(source: source, ticks: services.ticks, store: services.store, clock: { clock.now })
        await services.ticks.timer(running: true)
        await scheduler.start(services.configuration.value.channels.filter { !$0.isDefault })
        #expect(source.nextFireDate("office") == start.addingTimeInterval(1_800), "the office opens at 09:00 Berlin time")
        #expect(source.nextFireDate("minutely") == start && source.nextFireDate("quarterly") == start, "no message yet: one at once")
        var fired: [(channel: String, at: Date)] = []
        for minute in 0...60 {
            clock.set(start.addingTimeInterval(Double(minute * 60)))
            fired += source.advance(to: clock.now)
            let expected = fired.count
            let held = try await eventually { try await services.store.recentTicks(channel: nil, limit: 10_000).count == expected }
            let recorded = try await services.store.recentTicks(channel: nil, limit: 10_000).count
            #expect(held, "minute \(minute): \(recorded) ticks recorded of \(expected)")
            if !held { break }
        }
        let counts = Dictionary(grouping: fired, by: \.channel).mapValues(\.count)
        #expect(counts == ["minutely": 61, "quarterly": 5, "office": 31])
        #expect(Set(fired.map { "\($0.channel) \($0.at)" }).count == fired.count, "no time fired twice")
        #expect(fired.allSatisfy { $0.channel != "office" || $0.at >= start.addingTimeInterval(1_800) })
        for channel in ["minutely", "quarterly", "office"] {
            #expect(try await services.store.recentTicks(channel: channel, limit: 1_000).count == counts[channel])
        }
        let minutely = try #require(services.configuration.value.channels.first { $0.name == "minutely" })
        #expect(await scheduler.firstTick(minutely) == clock.now.addingTimeInterval(60), "with a message: at the cron's next time")
        scheduler.stop()
        await services.shutdown()
    }
}
