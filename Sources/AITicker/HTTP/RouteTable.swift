import Hummingbird
import Synchronization

/// Registers routes on a router and remembers them, so the OpenAPI test can compare the
/// router with `/openapi.json`.
struct RouteTable {
    let router: Router<AppRequestContext>
    let list: RouteList
    private(set) var routes: [(method: HTTPRequest.Method, path: String)] = []

    init(router: Router<AppRequestContext>, list: RouteList) {
        self.router = router
        self.list = list
    }

    /// Adds a route; `admin` routes go through `AdminAuthMiddleware`. Every GET also answers HEAD
    /// with the same status and headers and no body; `head` replaces that where running the GET
    /// handler would hold something (a stream slot).
    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, admin: AdminAuthMiddleware? = nil,
        head: (@Sendable (Request, AppRequestContext) async throws -> Response)? = nil,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        routes.append((method, path))
        list.append(method: method, path: path)
        if method == .get {
            add(.head, path, admin: admin) { request, context in
                if let head { return try await head(request, context) }
                let response = try await handler(request, context)
                var headers = response.headers
                if let length = response.body.contentLength { headers[.contentLength] = String(length) }
                return Response(status: response.status, headers: headers)
            }
        }
        if let admin {
            router.on(RouterPath(path), method: method) { request, context in
                try await admin.handle(request, context: context) { request, context in try await handler(request, context) }
            }
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}

/// The registered routes, shared with `ErrorMiddleware` (which is added before any route).
final class RouteList: Sendable {
    private let entries = Mutex<[(method: String, path: [Substring])]>([])

    func append(method: HTTPRequest.Method, path: String) {
        entries.withLock { $0.append((method.rawValue, path.split(separator: "/"))) }
    }

    /// Methods of the routes the router would pick for `path`: those whose pattern matches
    /// (`{name}` matches any one segment) with the most literal segments, as the router prefers them.
    func methods(matching path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matches = entries.withLock { entries in
            entries.filter { entry in
                entry.path.count == segments.count
                    && zip(entry.path, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
            }
        }
        let literals = { (entry: (method: String, path: [Substring])) in entry.path.filter { !$0.hasPrefix("{") }.count }
        let best = matches.map(literals).max()
        return matches.filter { literals($0) == best }.map(\.method)
    }
}
