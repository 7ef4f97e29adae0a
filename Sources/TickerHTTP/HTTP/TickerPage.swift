/// The ticker page's HTML, script, style and icon (`Resources/page/`, embedded in the binary).
/// Query options: `theme=dark|light` (default: the system's), `mode=fade|scroll`, `speed=`
/// (seconds per transition, or scroll speed factor; 0.1–10).
enum TickerPage {
    static let html = PackageResources.index_html
    static let favicon = PackageResources.favicon_svg
    static let style = PackageResources.ticker_css
    static let script = PackageResources.ticker_js
    /// `/wall`: every channel at once, for a lobby screen (`?channels=a,b`, `?theme=light`).
    static let wall = PackageResources.wall_html
    static let wallScript = PackageResources.wall_js
    static let wallStyle = PackageResources.wall_css
    /// `/embed.js`: a channel's ticker in another site's page (CORS through `server.cors_origins`).
    static let embed = PackageResources.embed_js
    /// `/console`: the operator's views, signed in with the admin token (docs/console.md).
    static let console = PackageResources.console_html
    static let consoleScript = PackageResources.console_js
    static let consoleStyle = PackageResources.console_css
}
