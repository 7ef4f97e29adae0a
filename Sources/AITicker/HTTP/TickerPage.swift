/// The ticker page's HTML, script, style and icon (`Resources/page/`, embedded in the binary).
/// Query options: `theme=dark|light` (default: the system's), `mode=fade|scroll`, `speed=`
/// (seconds per transition, or scroll speed factor; 0.1–10).
enum TickerPage {
    static let html = String(decoding: PackageResources.index_html, as: UTF8.self)
    static let favicon = String(decoding: PackageResources.favicon_svg, as: UTF8.self)
    static let style = String(decoding: PackageResources.ticker_css, as: UTF8.self)
    static let script = String(decoding: PackageResources.ticker_js, as: UTF8.self)
}
