/// The ticker page's HTML, script, style and icon (`Resources/page/`, embedded in the binary).
/// Query options: `theme=dark|light` (default: the system's), `mode=fade|scroll`, `speed=`
/// (seconds per transition, or scroll speed factor; 0.1–10).
enum TickerPage {
    static let html = PackageResources.index_html
    static let favicon = PackageResources.favicon_svg
    static let style = PackageResources.ticker_css
    static let script = PackageResources.ticker_js
}
