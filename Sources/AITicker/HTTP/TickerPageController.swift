import HTTPTypes
import Hummingbird

/// `GET /`: the ticker page for screens, with its script and style; everything is compiled into
/// the binary, nothing comes from a CDN. The page reads `/api/stream` and needs no inline code,
/// so the CSP forbids inline scripts and styles.
struct TickerPageController {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-cache",
    ]

    func register(on table: RouteTable) {
        table.add(.get, "/") { _, _ in Self.asset(TickerPage.html, type: "text/html; charset=utf-8") }
        table.add(.get, "/assets/ticker.js") { _, _ in Self.asset(TickerPage.script, type: "text/javascript; charset=utf-8") }
        table.add(.get, "/assets/ticker.css") { _, _ in Self.asset(TickerPage.style, type: "text/css; charset=utf-8") }
        table.add(.get, "/assets/favicon.svg") { _, _ in Self.asset(TickerPage.favicon, type: "image/svg+xml") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
