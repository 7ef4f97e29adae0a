import Hummingbird
import Logging
import TickerConfig
import TickerRuntime

/// Guards admin routes. Over TCP every request needs `Authorization: Bearer <token>` (compared
/// in constant time): loopback is not trusted by itself, since a same-host reverse proxy or a
/// browser page would pass as loopback. A browser request from another origin is refused before
/// the token is looked at. The right token is always accepted, whatever failed before from any
/// address: only wrong or missing tokens are limited, per client (the forwarded one behind
/// `server.trusted_proxies`), so strangers cannot lock the operator out; beyond the limit a
/// wrong token gets 429 with `Retry-After` at once. Failures are counted in `/metrics` and logged
/// with the client address, never the token; refusals for the origin are not failures.
/// With `server.rate_limit_api` set, each client gets that many admin requests per window.
package struct AdminAuthMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    let configuration: LiveConfiguration
    let metrics: TickerMetrics
    let logger: Logger

    package init(configuration: LiveConfiguration, metrics: TickerMetrics, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
    }
    let limiter = RateLimiter()
    let failures = RateLimiter()
    /// Failed authentications one client may make before it has to wait.
    static let failureLimit = RateLimit("10 per minute")!

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = configuration.value
        let client = context.client(of: request, trusted: config.access.trustedProxies)
        if let limit = config.rateLimit, let wait = limiter.retryAfter(client: client, limit: limit) {
            throw APIError(status: .tooManyRequests, code: .rateLimited,
                           message: "at most \(limit.requests) admin requests per \(Int(limit.seconds)) s from one client (RATE_LIMIT_API); retry in \(wait) s",
                           headers: [.retryAfter: String(wait)])
        }
        if let origin = request.headers[.origin], !HostCheck.allowsOrigin(origin, authority: request.head.authority, access: config.access) {
            metrics.adminAuthFailure(reason: "origin")
            throw APIError(status: .forbidden, code: .forbiddenOrigin,
                           message: "admin routes refuse requests from another web origin (\(origin.prefix(100))); add it to server.allowed_origins if it is yours")
        }
        guard let token = config.adminToken.value else {
            metrics.adminAuthFailure(reason: "no_token_configured")
            throw APIError(status: .unauthorized, code: .unauthorized,
                           message: "admin routes are off: no admin token could be read or created (see the service's log)")
        }
        let header = request.headers[.authorization] ?? ""
        if header.hasPrefix("Bearer "), Self.constantTimeEquals(Array(header.utf8.dropFirst(7)), Array(token.utf8)) {
            return try await next(request, context)
        }
        if let wait = failures.retryAfter(client: client, limit: Self.failureLimit, counting: false) {
            metrics.adminAuthFailure(reason: "locked_out")
            throw APIError(status: .tooManyRequests, code: .tooManyFailures,
                           message: "too many failed admin authentications from this client; retry in \(wait) s",
                           headers: [.retryAfter: String(wait)])
        }
        let reason = header.isEmpty ? "missing_token" : "wrong_token"
        metrics.adminAuthFailure(reason: reason)
        let spent = failures.retryAfter(client: client, limit: Self.failureLimit) != nil
        logger.warning(spent ? "admin authentication failed; this client's next failures are refused for a while" : "admin authentication failed",
                       metadata: ["client": "\(client)", "reason": "\(reason)"])
        throw APIError(status: .unauthorized, code: .unauthorized,
                       message: "admin routes need Authorization: Bearer <token>; the token is in \(config.adminToken.file ?? "TICKER_ADMIN_TOKEN")")
    }

    /// Takes the same time for any two inputs of a given length, whatever they contain.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
