import Foundation

/// The outcome of a free reachability probe.
public struct HealthCheckResult: Sendable, Equatable {
    public var healthy: Bool
    public var latencyMs: Double
    public var detail: String?

    public init(healthy: Bool, latencyMs: Double = 0, detail: String? = nil) {
        self.healthy = healthy
        self.latencyMs = latencyMs
        self.detail = detail
    }
}

/// A provider's health check result and when it was taken, as the leader shares it.
public struct HealthProbe: Sendable, Equatable {
    /// The provider instance's id.
    public var provider: String
    /// Its `detail` already redacted.
    public var result: HealthCheckResult
    public var checkedAt: Date

    public init(provider: String, result: HealthCheckResult, checkedAt: Date) {
        self.provider = provider
        self.result = result
        self.checkedAt = checkedAt
    }
}
