import HTTPTypes
import Hummingbird
import TickerConfig

/// `GET /`: the ticker page for screens, `/wall` with every channel, `/console` for operators and
/// `/embed.js` for other sites' pages, with their scripts and styles; everything is compiled into
/// the binary, nothing comes from a CDN. The page reads `/api/stream` and needs no inline code,
/// so the CSP forbids inline scripts and styles. Each file is a `FixedAnswer`.
package struct TickerPageController {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-cache",
    ]

    let compression: CompressionConfiguration

    package init(compression: CompressionConfiguration) {
        self.compression = compression
    }

    package func register(on table: RouteTable) {
        let files: [(path: String, bytes: [UInt8], type: String)] = [
            ("/", TickerPage.html, "text/html; charset=utf-8"),
            ("/assets/ticker.js", TickerPage.script, "text/javascript; charset=utf-8"),
            ("/assets/ticker.css", TickerPage.style, "text/css; charset=utf-8"),
            ("/assets/favicon.svg", TickerPage.favicon, "image/svg+xml"),
            ("/wall", TickerPage.wall, "text/html; charset=utf-8"),
            ("/assets/wall.js", TickerPage.wallScript, "text/javascript; charset=utf-8"),
            ("/assets/wall.css", TickerPage.wallStyle, "text/css; charset=utf-8"),
            ("/embed.js", TickerPage.embed, "text/javascript; charset=utf-8"),
            ("/console", TickerPage.console, "text/html; charset=utf-8"),
            ("/assets/console.js", TickerPage.consoleScript, "text/javascript; charset=utf-8"),
            ("/assets/console.css", TickerPage.consoleStyle, "text/css; charset=utf-8"),
        ]
        for file in files {
            let answer = FixedAnswer(file.bytes, contentType: file.type, headers: Self.securityHeaders, compression: compression)
            table.add(.get, file.path) { request, _ in answer.response(to: request) }
        }
    }
}
