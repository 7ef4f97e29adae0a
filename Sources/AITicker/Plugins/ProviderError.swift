import Foundation

/// Why a provider call failed; the class decides what the router does next (README, Error classes).
public enum ProviderError: Error, Sendable, Equatable {
    case unauthorized(String)
    case rateLimited(retryAfter: Double?)
    case quotaExhausted(until: Date?)
    case unavailable(String)
    case timeout
    case badResponse(String)
    case badRequest(String)
    case misconfigured(String)

    /// The class, as logs, metrics and stored attempts name it.
    public var kind: ErrorClass {
        switch self {
        case .unauthorized: .unauthorized
        case .rateLimited: .rateLimited
        case .quotaExhausted: .quotaExhausted
        case .unavailable: .unavailable
        case .timeout: .timeout
        case .badResponse: .badResponse
        case .badRequest: .badRequest
        case .misconfigured: .misconfigured
        }
    }

    /// A human-readable description that never includes secrets.
    public var message: String {
        switch self {
        case .unauthorized(let detail): "unauthorized: \(detail)"
        case .rateLimited(let after): after.map { "rate limited, retry after \(Int($0.rounded(.up))) s" } ?? "rate limited"
        case .quotaExhausted(let until): until.map { "quota exhausted until \(RFC3339.string(from: $0))" } ?? "quota exhausted"
        case .unavailable(let detail): "unavailable: \(detail)"
        case .timeout: "timed out"
        case .badResponse(let detail): "bad response: \(detail)"
        case .badRequest(let detail): "bad request: \(detail)"
        case .misconfigured(let detail): "misconfigured: \(detail)"
        }
    }
}

/// Runs `body`, failing with `ProviderError.timeout` after `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw ProviderError.timeout
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
