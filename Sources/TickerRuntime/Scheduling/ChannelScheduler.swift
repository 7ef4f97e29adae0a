import Foundation
import Synchronization
import TickerConfig
import TickerCore
import TickerStorage

/// Keeps a timer per channel set to its schedule's next tick, and starts the channel's tick when
/// it fires. Ticks of different channels run side by side (`TickService` keeps one channel's from
/// overlapping); outside a channel's active hours no timer fires at all.
public final class ChannelScheduler: Sendable {
    private let source: any TickSource
    private let ticks: TickService
    private let store: any MessageStore
    /// The time now: the wall clock, or a test clock.
    private let clock: @Sendable () -> Date
    /// Each running channel's schedule, which its next timer is computed from; nil while stopped.
    private let schedules = Mutex<[String: Schedule]?>(nil)

    package init(source: any TickSource, ticks: TickService, store: any MessageStore, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.ticks = ticks
        self.store = store
        self.clock = clock
    }

    /// Sets every channel's first tick (`firstTick`), and from then on each next one.
    package func start(_ channels: [ChannelConfiguration]) async {
        schedules.withLock { $0 = [:] }
        await apply(channels)
    }

    /// After a reload: starts new channels, stops removed ones and restarts those whose schedule
    /// changed; every other channel keeps its timer.
    package func apply(_ channels: [ChannelConfiguration]) async {
        guard let running = schedules.withLock({ $0 }) else { return }
        for name in running.keys where !channels.contains(where: { $0.name == name }) {
            schedules.withLock { _ = $0?.removeValue(forKey: name) }
            source.cancel(name)
        }
        for channel in channels where running[channel.name] != channel.schedule {
            set(channel.name, schedule: channel.schedule, at: await firstTick(channel))
        }
    }

    /// A new leader takes up each channel's schedule where the last one left it.
    package func resume(_ channels: [ChannelConfiguration]) async {
        for channel in channels where schedules.withLock({ $0?[channel.name] != nil }) {
            set(channel.name, schedule: channel.schedule, at: await firstTick(channel))
        }
    }

    package func stop() {
        schedules.withLock { $0 = nil }
        source.cancel(nil)
    }

    /// When the channel ticks next; nil when it has no timer (stopped, removed, or a cron day
    /// that never comes).
    public func nextTick(_ channel: String) -> Date? { source.nextFireDate(channel) }

    /// An interval channel's first tick comes at once when its latest message is older than the
    /// interval, else when that message's interval is over; a cron channel's at its next time,
    /// or at once when it has no message yet, so its screens do not stay empty until then.
    /// Either waits for the start of the channel's next active window.
    package func firstTick(_ channel: ChannelConfiguration) async -> Date? {
        let now = clock()
        // Nil when the database did not answer: a cron channel then waits for its time, and an
        // interval one ticks as if it had no message.
        let latest: Message??
        do { latest = try await store.latest(channel: channel.name) } catch { latest = nil }
        switch channel.schedule.timing {
        case .cron:
            if case .some(.none) = latest { return channel.schedule.firstActive(onOrAfter: now) }
            return channel.schedule.next(after: now)
        case .interval(let seconds):
            let age = latest.flatMap { $0 }.map {
                // Imported messages carry the import's time, not their own: they are never fresh.
                $0.source == .imported ? .infinity : now.timeIntervalSince($0.createdAt)
            } ?? .infinity
            return channel.schedule.firstActive(onOrAfter: now.addingTimeInterval(max(Double(seconds) - age, 0)))
        }
    }

    private func set(_ name: String, schedule: Schedule, at date: Date?) {
        let running = schedules.withLock { schedules in
            guard schedules != nil else { return false }
            schedules?[name] = schedule
            return true
        }
        guard running, let date else { return source.cancel(name) }
        source.schedule(name, at: date) { [weak self] firedAt in self?.fired(name, at: firedAt) }
    }

    /// Sets the channel's next timer, then runs the tick of this one. A timer that fired late
    /// (a suspended machine) is followed by one catch-up tick at most, not a burst.
    private func fired(_ name: String, at firedAt: Date) {
        guard let schedule = schedules.withLock({ $0?[name] }) else { return }
        set(name, schedule: schedule, at: schedule.next(after: firedAt).map { max($0, clock()) })
        let ticks = self.ticks
        Task { _ = await ticks.tick(channel: name, trigger: .timer, scheduledAt: firedAt) }
    }
}
