import Foundation

/// Closed: calls flow. Open: calls wait for the cooldown. Half-open: one trial call decides.
public enum CircuitState: String, Codable, Sendable {
    case closed, open
    case halfOpen = "half_open"
}

/// Per-provider failure bookkeeping: consecutive failures open the circuit for an exponentially
/// growing cooldown; error classes with their own wait (rate limits, quota, bad keys) set it directly.
struct CircuitBreaker: Sendable, Equatable {
    var failureThreshold: Int
    var baseCooldown: Double
    var maxCooldown: Double = 3_600
    /// How long a provider with a bad key or model waits before it is tried again.
    var misconfiguredCooldown: Double = 1_800
    /// How long a rate-limit hint may park a provider at most.
    var maxRateLimitCooldown: Double = 900

    private(set) var state: CircuitState = .closed
    private(set) var consecutiveFailures = 0
    private(set) var cooldownUntil: Date?
    private var timesOpened = 0

    init(failureThreshold: Int, baseCooldown: Double) {
        self.failureThreshold = failureThreshold
        self.baseCooldown = baseCooldown
    }

    /// Whether a call may go out now; moves an open circuit whose cooldown passed to half-open.
    mutating func allowsCall(now: Date) -> Bool {
        if let cooldownUntil, cooldownUntil > now { return false }
        if state == .open { state = .halfOpen }
        return true
    }

    mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        cooldownUntil = nil
        timesOpened = 0
    }

    mutating func recordFailure(_ error: ProviderError, now: Date) {
        consecutiveFailures += 1
        switch error {
        case .rateLimited(let retryAfter):
            cooldownUntil = now.addingTimeInterval(min(retryAfter ?? baseCooldown, maxRateLimitCooldown))
        case .quotaExhausted(let until):
            cooldownUntil = min(until ?? now.addingTimeInterval(maxCooldown), now.addingTimeInterval(86_400))
        case .unauthorized, .misconfigured:
            cooldownUntil = now.addingTimeInterval(misconfiguredCooldown)
        default:
            if state == .halfOpen || consecutiveFailures >= failureThreshold { open(now: now) }
        }
    }

    private mutating func open(now: Date) {
        state = .open
        timesOpened += 1
        let cooldown = min(baseCooldown * pow(2, Double(timesOpened - 1)), maxCooldown)
        cooldownUntil = now.addingTimeInterval(cooldown)
    }
}
