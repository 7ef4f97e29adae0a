import Hummingbird
import TickerConfig
import TickerRuntime

/// Refuses requests whose `Host` is not one of the service's names, so a page on another site
/// cannot reach it by pointing its own domain at 127.0.0.1 (DNS rebinding). Applies when the
/// service listens on loopback, or whenever `server.allowed_hosts` lists names; a request
/// without `Host` (HTTP/1.0) passes.
package struct HostCheck: RouterMiddleware {
    package typealias Context = AppRequestContext
    let configuration: LiveConfiguration

    package init(configuration: LiveConfiguration) {
        self.configuration = configuration
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let config = configuration.value
        if let authority = request.head.authority, config.access.listensOnLoopback || !config.access.allowedHosts.isEmpty,
           !Self.allows(host: Self.hostname(authority), server: config.server.host, access: config.access) {
            throw APIError(status: .misdirectedRequest, code: .hostNotAllowed,
                           message: "this service does not answer for host \"\(authority.prefix(100))\"; add it to server.allowed_hosts if it is yours")
        }
        return try await next(request, context)
    }

    /// `example.org:8080` → `example.org`, `[::1]:8080` → `::1`, lowercased.
    static func hostname(_ authority: String) -> String {
        let lower = authority.lowercased()
        if lower.hasPrefix("["), let end = lower.firstIndex(of: "]") { return String(lower[lower.index(after: lower.startIndex)..<end]) }
        return String(lower.split(separator: ":", maxSplits: 1).first ?? "")
    }

    static func allows(host: String, server: String, access: AccessConfiguration) -> Bool {
        if AccessConfiguration.isLoopback(host) || host == server.lowercased() { return true }
        return access.allowedHosts.contains { name in
            let name = name.lowercased()
            return name.hasPrefix("*.") ? host.hasSuffix(name.dropFirst()) : host == name
        }
    }

    /// A browser's `Origin` is the service's own when it names the host the request was sent to
    /// (over http or https), or when `server.allowed_origins` lists it. `null` never is.
    static func allowsOrigin(_ origin: String, authority: String?, access: AccessConfiguration) -> Bool {
        let origin = origin.lowercased()
        if access.allowedOrigins.contains(where: { $0.lowercased() == origin }) { return true }
        guard let authority = authority?.lowercased(), origin != "null" else { return false }
        return origin == "http://\(authority)" || origin == "https://\(authority)"
    }
}
