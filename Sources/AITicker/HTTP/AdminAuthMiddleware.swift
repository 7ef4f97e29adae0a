import Hummingbird

/// Guards admin routes: with `TICKER_ADMIN_TOKEN` set, a matching `Authorization: Bearer` is
/// required (compared in constant time); without one, only loopback clients are served. With
/// `server.rate_limit_api` set, each client gets that many admin requests per window, then 429.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let configuration: LiveConfiguration
    let limiter = RateLimiter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let limit = configuration.value.rateLimit,
           let wait = limiter.retryAfter(client: context.remoteAddress?.ipAddress ?? "unknown", limit: limit) {
            throw APIError(status: .tooManyRequests, code: "rate_limited",
                           message: "at most \(limit.requests) admin requests per \(Int(limit.seconds)) s from one client (RATE_LIMIT_API); retry in \(wait) s",
                           headers: [.retryAfter: String(wait)])
        }
        if let token = configuration.value.adminToken {
            let header = request.headers[.authorization] ?? ""
            guard header.hasPrefix("Bearer "), Self.constantTimeEquals(Array(header.utf8.dropFirst(7)), Array(token.utf8)) else {
                throw APIError(status: .unauthorized, code: "unauthorized", message: "admin routes need Authorization: Bearer <TICKER_ADMIN_TOKEN>")
            }
        } else if !context.isLoopback {
            throw APIError(status: .unauthorized, code: "unauthorized", message: "admin routes answer only loopback clients when TICKER_ADMIN_TOKEN is not set")
        }
        return try await next(request, context)
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
