import Hummingbird
import Synchronization

/// Where controllers add their routes: public ones on the router, admin ones on a group behind
/// `AdminAuthMiddleware`. Every GET also answers HEAD.
package struct RouteTable {
    let router: Router<AppRequestContext>
    /// The routes that need the admin token.
    let admin: RouterGroup<AppRequestContext>

    package init(router: Router<AppRequestContext>, admin middleware: AdminAuthMiddleware) {
        self.router = router
        self.admin = router.group().add(middleware: middleware)
    }

    /// Adds a route. A GET also answers HEAD with the same status and headers and no body;
    /// `head` replaces that where running the GET handler would hold something (a stream slot).
    func add(
        _ method: HTTPRequest.Method, _ path: String, admin: Bool = false,
        head: (@Sendable (Request, AppRequestContext) async throws -> Response)? = nil,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        if method == .get {
            add(.head, path, admin: admin) { request, context in
                if let head { return try await head(request, context) }
                let response = try await handler(request, context)
                var headers = response.headers
                if let length = response.body.contentLength { headers[.contentLength] = String(length) }
                return Response(status: response.status, headers: headers)
            }
        }
        if admin {
            self.admin.on(RouterPath(path), method: method, use: handler)
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}

/// The router's routes (`Router.routes`, read once every route is added), for `ErrorMiddleware`,
/// which is added before any route and tells 405 from 404 with them.
package final class RouteList: Sendable {
    private let entries = Mutex<[(method: String, path: [Substring])]>([])

    package init() {}

    package func fill(from router: Router<AppRequestContext>) {
        let routes = router.routes.map { (method: $0.method.rawValue, path: $0.path.description.split(separator: "/")) }
        entries.withLock { $0 = routes }
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
