import Hummingbird

/// Registers routes on a router and remembers them, so the OpenAPI test can compare the
/// router with `/openapi.json`.
struct RouteTable {
    let router: Router<AppRequestContext>
    private(set) var routes: [(method: HTTPRequest.Method, path: String)] = []

    init(router: Router<AppRequestContext>) {
        self.router = router
    }

    /// Adds a route; `admin` routes go through `AdminAuthMiddleware`.
    mutating func add(
        _ method: HTTPRequest.Method, _ path: String, admin: AdminAuthMiddleware? = nil,
        _ handler: @escaping @Sendable (Request, AppRequestContext) async throws -> Response
    ) {
        routes.append((method, path))
        if let admin {
            router.on(RouterPath(path), method: method) { request, context in
                try await admin.handle(request, context: context) { request, context in try await handler(request, context) }
            }
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}
