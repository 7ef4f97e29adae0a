import Foundation
import TickerCore

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

extension ProviderError {
    /// `error` as a provider failure: a `withTimeout` that ran out is `.timeout`; any other error
    /// that is no `ProviderError` is `.unavailable`, named by its type.
    public init(_ error: any Error) {
        switch error {
        case let error as ProviderError: self = error
        case is TimeoutError: self = .timeout
        default: self = .unavailable(String(describing: type(of: error)))
        }
    }

    /// How a failed call reads in a status or a log: a provider error's message, "timed out" for
    /// a `withTimeout` that ran out, else the error itself.
    public static func message(of error: any Error) -> String {
        switch error {
        case let error as ProviderError: error.message
        case is TimeoutError: ProviderError.timeout.message
        default: "\(error)"
        }
    }
}
