import Dispatch
import Foundation
import Synchronization
import TickerCore

/// One timer per channel, each firing once at the time it was set to; the scheduler sets the
/// next one from the channel's schedule. Production uses `DispatchTickSource`; tests fire timers
/// by hand or run a test clock (`ManualTickSource`).
public protocol TickSource: Sendable {
    /// Calls `handler` with `date` once `date` comes, replacing the channel's pending timer.
    func schedule(_ channel: String, at date: Date, handler: @escaping @Sendable (Date) -> Void)
    /// Forgets the channel's pending timer; every channel's when nil.
    func cancel(_ channel: String?)
    /// When the channel's timer fires, if one is set.
    func nextFireDate(_ channel: String) -> Date?
}

/// One-shot `DispatchSourceTimer`s on a serial queue of their own, on the monotonic clock (a
/// step of the wall clock moves no timer; the next one is computed from the schedule anyway).
public final class DispatchTickSource: TickSource {
    /// Unchecked: a dispatch source may be cancelled from any thread; Linux's libdispatch does
    /// not mark it Sendable.
    private struct Timer: @unchecked Sendable {
        var timer: any DispatchSourceTimer
        var at: Date
        /// Which `schedule` call set it: a firing of a timer since replaced does nothing.
        var token: UInt64
    }

    private let queue = DispatchQueue(label: "ai-ticker.tick-source")
    private let timers = Mutex<(byChannel: [String: Timer], tokens: UInt64)>(([:], 0))

    public init() {}

    public func schedule(_ channel: String, at date: Date, handler: @escaping @Sendable (Date) -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + max(date.timeIntervalSinceNow, 0), leeway: .milliseconds(50))
        let (token, replaced) = timers.withLock { timers in
            timers.tokens += 1
            defer { timers.byChannel[channel] = Timer(timer: timer, at: date, token: timers.tokens) }
            return (timers.tokens, timers.byChannel[channel]?.timer)
        }
        timer.setEventHandler { [weak self] in
            let current = self?.timers.withLock { timers in
                guard timers.byChannel[channel]?.token == token else { return false }
                timers.byChannel[channel] = nil
                return true
            }
            if current == true { handler(date) }
        }
        replaced?.cancel()
        timer.activate()
    }

    public func cancel(_ channel: String?) {
        let cancelled = timers.withLock { timers in
            guard let channel else { defer { timers.byChannel = [:] }; return timers.byChannel.values.map(\.timer) }
            return timers.byChannel.removeValue(forKey: channel).map { [$0.timer] } ?? []
        }
        for timer in cancelled { timer.cancel() }
    }

    public func nextFireDate(_ channel: String) -> Date? { timers.withLock { $0.byChannel[channel]?.at } }
}

/// Timers driven by the caller: `fire` runs one now, `advance` runs every timer due up to a time
/// in order, as a test clock. For tests and `ai-ticker generate`.
public final class ManualTickSource: TickSource {
    private let timers = Mutex<[String: (at: Date, handler: @Sendable (Date) -> Void)]>([:])

    public init() {}

    public func schedule(_ channel: String, at date: Date, handler: @escaping @Sendable (Date) -> Void) {
        timers.withLock { $0[channel] = (date, handler) }
    }

    public func cancel(_ channel: String?) {
        timers.withLock { timers in
            if let channel { timers[channel] = nil } else { timers = [:] }
        }
    }

    public func nextFireDate(_ channel: String) -> Date? { timers.withLock { $0[channel]?.at } }

    /// Fires the channel's timer now, whenever it was due; false when none is set.
    @discardableResult
    public func fire(_ channel: String = defaultChannel) -> Bool {
        guard let timer = timers.withLock({ $0.removeValue(forKey: channel) }) else { return false }
        timer.handler(timer.at)
        return true
    }

    /// Fires every timer due at or before `date`, earliest first, including those the handlers
    /// set meanwhile; returns each firing's channel and time.
    @discardableResult
    public func advance(to date: Date) -> [(channel: String, at: Date)] {
        var fired: [(channel: String, at: Date)] = []
        while let (channel, timer) = timers.withLock({ timers -> (String, (at: Date, handler: @Sendable (Date) -> Void))? in
            guard let due = timers.filter({ $0.value.at <= date }).min(by: { $0.value.at < $1.value.at }) else { return nil }
            timers[due.key] = nil
            return (due.key, due.value)
        }) {
            fired.append((channel, timer.at))
            timer.handler(timer.at)
        }
        return fired
    }
}
