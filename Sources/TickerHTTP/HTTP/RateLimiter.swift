import Foundation
import Synchronization
import TickerConfig

/// Counts requests per client in fixed windows (`RATE_LIMIT_API`, e.g. 10 per minute).
final class RateLimiter: Sendable {
    private let windows = Mutex<[String: (start: ContinuousClock.Instant, count: Int)]>([:])

    /// Nil when `client` may go on; otherwise the seconds until its window ends. Each call
    /// counts, unless `counting` is false: then it only asks whether the budget is spent.
    func retryAfter(client: String, limit: RateLimit, counting: Bool = true, now: ContinuousClock.Instant = .now) -> Int? {
        let length = Duration.milliseconds(Int(limit.seconds * 1000))
        return windows.withLock { windows in
            if windows.count > 10_000 { windows = windows.filter { now - $0.value.start < length } }
            var window = windows[client].flatMap { now - $0.start < length ? $0 : nil } ?? (start: now, count: 0)
            if counting { window.count += 1 }
            windows[client] = window
            guard counting ? window.count > limit.requests : window.count >= limit.requests else { return nil }
            return max(1, Int(((window.start + length) - now).milliseconds / 1000 + 0.999))
        }
    }
}
