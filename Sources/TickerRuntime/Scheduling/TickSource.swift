import Dispatch
import Foundation
import Synchronization

/// Something that fires ticks on a schedule. Production uses `DispatchTickSource`;
/// tests fire ticks by hand.
public protocol TickSource: Sendable {
    /// Starts firing `handler` every `interval` seconds, the first after `initialDelay`.
    func start(interval: Double, initialDelay: Double, handler: @escaping @Sendable () -> Void)
    /// Changes the period at once; the next tick comes one new interval from now.
    func reschedule(interval: Double)
    /// The next tick comes after `delay` seconds, then one every interval: a new leader taking
    /// up the schedule where the last one left it.
    func resume(after delay: Double)
    func stop()
    /// When the next tick is due, if scheduled.
    var nextFireDate: Date? { get }
}

/// A `DispatchSourceTimer` on its own serial queue.
public final class DispatchTickSource: TickSource {
    private struct State {
        var timer: (any DispatchSourceTimer)?
        var interval: Double = 0
        var nextFire: Date?
    }

    private let queue = DispatchQueue(label: "ai-ticker.tick-source")
    private let state = Mutex(State())

    public init() {}

    public func start(interval: Double, initialDelay: Double, handler: @escaping @Sendable () -> Void) {
        state.withLock { state in
            state.timer?.cancel()
            let source = DispatchSource.makeTimerSource(queue: queue)
            source.schedule(deadline: .now() + max(initialDelay, 0), repeating: interval, leeway: .milliseconds(50))
            source.setEventHandler { [weak self] in
                self?.state.withLock { $0.nextFire = Date().addingTimeInterval($0.interval) }
                handler()
            }
            source.resume()
            state = State(timer: source, interval: interval, nextFire: Date().addingTimeInterval(max(initialDelay, 0)))
        }
    }

    public func reschedule(interval: Double) {
        state.withLock { state in
            state.timer?.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
            state.interval = interval
            state.nextFire = Date().addingTimeInterval(interval)
        }
    }

    public func resume(after delay: Double) {
        state.withLock { state in
            state.timer?.schedule(deadline: .now() + max(delay, 0), repeating: state.interval, leeway: .milliseconds(50))
            state.nextFire = Date().addingTimeInterval(max(delay, 0))
        }
    }

    public func stop() {
        state.withLock { state in
            state.timer?.cancel()
            state = State()
        }
    }

    public var nextFireDate: Date? { state.withLock { $0.nextFire } }
}

/// A tick source driven by the caller: `fire()` runs the handler. For tests and `ai-ticker generate`.
public final class ManualTickSource: TickSource {
    private let state = Mutex<(handler: (@Sendable () -> Void)?, interval: Double, initialDelay: Double?)>((nil, 0, nil))

    public init() {}

    public func start(interval: Double, initialDelay: Double, handler: @escaping @Sendable () -> Void) {
        state.withLock { $0 = (handler, interval, initialDelay) }
    }

    /// The delay `start` was asked for, or nil before it was started.
    public var initialDelay: Double? { state.withLock { $0.initialDelay } }

    public func reschedule(interval: Double) {
        state.withLock { $0.interval = interval }
    }

    /// Records the delay; the caller still fires by hand.
    public func resume(after delay: Double) {
        state.withLock { $0.initialDelay = delay }
    }

    public func stop() {
        state.withLock { $0.handler = nil }
    }

    public var nextFireDate: Date? { nil }

    /// The interval last set by `start` or `reschedule`.
    public var interval: Double { state.withLock { $0.interval } }

    public func fire() {
        state.withLock { $0.handler }?()
    }
}
