import HTTPTypes
import Hummingbird
import TickerConfig
import TickerRuntime

/// CORS for the public reads, so a page on a site `server.cors_origins` lists can show the ticker
/// (`/embed.js`): the message routes and streams of every channel, `GET /api/channels` and
/// `GET /api/health`. Never an admin route, whatever the list says. The router (`CrossOriginMiddleware`)
/// and the fast path (`HotReadHandler`) add the same fields from `fields(origin:allowed:)`.
package enum CrossOrigin {
    /// Request headers a listed page may send (a stream's resume, a conditional GET).
    static let allowedHeaders = "Last-Event-ID, If-None-Match, Cache-Control, Accept"
    /// Response headers its script may read.
    static let exposedHeaders = "ETag"
    static let allowOrigin = HTTPField.Name("Access-Control-Allow-Origin")!

    /// Whether `path` is one of the public reads a listed origin may make.
    static func covers(path: some StringProtocol) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.first == "api" else { return false }
        var rest = Array(parts.dropFirst())
        if rest == ["channels"] || rest == ["health"] { return true }
        if rest.count >= 3, rest[0] == "channels", !rest[1].isEmpty {
            rest = Array(rest.dropFirst(2))
            if rest == ["generate"] { return false }
        } else if rest == ["stream"] || rest.first == "message" || rest.first == "messages" {
            // today's routes: the default channel's
        } else {
            return false
        }
        switch rest.count {
        case 1: return rest[0] == "message" || rest[0] == "messages" || rest[0] == "stream"
        case 2: return rest[0] == "messages" && !rest[1].isEmpty && rest[1] != "generate"
        default: return false
        }
    }

    /// The fields a covered route's answer carries: `Vary: Origin` whenever the list has an
    /// entry (a cache must not hand one site's answer to another), and for a listed origin that
    /// origin echoed with the headers its script may read. Nothing while the list is empty.
    static func fields(origin: String?, allowed: [String]) -> [HTTPField] {
        guard !allowed.isEmpty else { return [] }
        var fields = [HTTPField(name: .vary, value: "Origin")]
        if let origin, allowed.contains(origin.lowercased()) {
            fields.append(HTTPField(name: allowOrigin, value: origin))
            fields.append(HTTPField(name: HTTPField.Name("Access-Control-Expose-Headers")!, value: exposedHeaders))
        }
        return fields
    }

    /// A preflight's answer for a listed origin: 204 with the methods and headers allowed.
    static func preflight(origin: String) -> Response {
        Response(status: .noContent, headers: [
            .vary: "Origin",
            allowOrigin: origin,
            HTTPField.Name("Access-Control-Allow-Methods")!: "GET, HEAD",
            HTTPField.Name("Access-Control-Allow-Headers")!: allowedHeaders,
            HTTPField.Name("Access-Control-Max-Age")!: "600",
        ])
    }
}

/// Adds `CrossOrigin`'s fields to the public reads' answers, errors included (a page may read
/// "no message yet"), and answers their preflights (`OPTIONS` with
/// `Access-Control-Request-Method`) from a listed origin.
package struct CrossOriginMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    let configuration: LiveConfiguration

    package init(configuration: LiveConfiguration) {
        self.configuration = configuration
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = configuration.hostRules.access.corsOrigins
        guard !allowed.isEmpty, CrossOrigin.covers(path: request.uri.path) else { return try await next(request, context) }
        let origin = request.headers[.origin]
        if request.method == .options, let origin, allowed.contains(origin.lowercased()),
           request.headers[HTTPField.Name("Access-Control-Request-Method")!] != nil {
            return CrossOrigin.preflight(origin: origin)
        }
        let fields = CrossOrigin.fields(origin: origin, allowed: allowed)
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: fields)
            return response
        } catch {
            var mapped = ErrorMiddleware.map(error, logger: context.logger)
            mapped.headers.append(contentsOf: fields)
            throw mapped
        }
    }
}
