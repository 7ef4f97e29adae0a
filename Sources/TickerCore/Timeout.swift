import Dispatch
import Synchronization

/// A bounded wait that ran out (`withTimeout`).
public struct TimeoutError: Error, Sendable, Equatable, CustomStringConvertible {
    public let seconds: Double
    public var description: String { "timed out after \(seconds) s" }
}

/// Runs `body`, failing with `TimeoutError` after `seconds`.
package func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Alarm(seconds: seconds).wait()
            throw TimeoutError(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A wait that ends at its deadline or when its task is cancelled, and then gives its timer back
/// at once. A cancelled `Task.sleep` keeps its timer and its job queued in Dispatch until the
/// deadline (swift-corelibs on Linux), so each tick's timeout used to hold about 300 bytes for
/// the whole timeout after the tick ended: 10,873 of them, 3.3 MiB, in a soak of back-to-back
/// ticks (BENCHMARKS.md, issue 31).
final class Alarm: Sendable {
    /// Dispatch sources may be cancelled from any thread; the type is not marked Sendable.
    nonisolated(unsafe) private let timer: any DispatchSourceTimer
    private let state = Mutex<(waiting: CheckedContinuation<Void, any Error>?, outcome: Result<Void, any Error>?)>((nil, nil))
    /// Timers set and not yet fired or cancelled, in the whole process (a test reads it).
    static let armed = Atomic<Int>(0)
    /// Its own queue, which gets a thread of its own when others are busy: on the global queue
    /// the handler waited behind blocking work there (12 s for a 0.2 s timeout in a CI run).
    private static let queue = DispatchQueue(label: "ai-ticker.alarm")

    init(seconds: Double) {
        let timer = DispatchSource.makeTimerSource(queue: Self.queue)
        self.timer = timer
        timer.setEventHandler { [weak self] in self?.end(.success(())) }
        timer.schedule(deadline: .now() + .nanoseconds(Int(min(seconds, 1e9) * 1e9)))
        Self.armed.add(1, ordering: .relaxed)
        timer.activate()
    }

    deinit { end(.failure(CancellationError())) }

    func wait() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome = state.withLock { state in
                    if state.outcome == nil { state.waiting = continuation }
                    return state.outcome
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            end(.failure(CancellationError()))
        }
    }

    /// The first outcome wins; the timer is cancelled, which releases it and its handler.
    private func end(_ outcome: Result<Void, any Error>) {
        let (first, waiting) = state.withLock { state in
            guard state.outcome == nil else { return (false, nil as CheckedContinuation<Void, any Error>?) }
            state.outcome = outcome
            defer { state.waiting = nil }
            return (true, state.waiting)
        }
        guard first else { return }
        timer.cancel()
        Self.armed.subtract(1, ordering: .relaxed)
        waiting?.resume(with: outcome)
    }
}
