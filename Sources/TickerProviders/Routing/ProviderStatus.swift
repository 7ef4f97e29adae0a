import Foundation
import TickerCore

/// Health of one provider as the router sees it (part of `GET /api/providers`).
public struct ProviderHealth: Codable, Sendable, Equatable {
    public var status: State = .unknown
    public var checkedAt: Date?
    public var latencyMs: Double?
    public var consecutiveFailures: Int = 0
    public var circuit: CircuitState = .closed
    public var cooldownUntil: Date?
    public var lastError: String?

    /// `unknown` until the first check, then what the last one said.
    public enum State: String, Codable, Sendable {
        case unknown, healthy, unhealthy
    }

    enum CodingKeys: String, CodingKey {
        case status, checkedAt = "checked_at", latencyMs = "latency_ms", consecutiveFailures = "consecutive_failures"
        case circuit, cooldownUntil = "cooldown_until", lastError = "last_error"
    }
}

/// One configured provider with its health, as listed by the API and the CLI.
public struct ProviderStatus: Codable, Sendable, Equatable {
    public var id: String
    public var plugin: String
    public var name: String
    public var model: String?
    public var baseURL: String?
    public var priority: Int
    public var enabled: Bool
    public var available: Bool
    public var reason: String?
    public var health: ProviderHealth
    public var selected: Bool
    public var successRate: Double?
    /// The provider's own description of itself (`get_info()` of a guide-style plugin), if any.
    public var info: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case id, plugin, name, model, baseURL = "base_url", priority, enabled, available, reason, health, selected
        case successRate = "success_rate", info
    }
}

/// What a reload changed, by instance id.
public struct ProviderDiff: Codable, Sendable, Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    public var unchanged: [String] = []

    public init() {}
}

extension PublicText {
    package static func withoutPaths(_ status: ProviderStatus) -> ProviderStatus {
        var status = status
        status.reason = status.reason.map(withoutPaths)
        status.health.lastError = status.health.lastError.map(withoutPaths)
        return status
    }
}
