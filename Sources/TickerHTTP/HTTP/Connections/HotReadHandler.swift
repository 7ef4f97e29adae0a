import CoreMetrics
import Glibc
import HTTPTypes
import NIOCore
import NIOHTTP1
import TickerConfig
import TickerRuntime

/// What the hot-read handler of every connection shares.
package struct HotReads: Sendable {
    let caches: ChannelCaches
    let configuration: LiveConfiguration
    let metrics: TickerMetrics
    /// Not reloadable: read once, as `CompressionMiddleware` does.
    let compression: CompressionConfiguration
    let serverName: String

    package init(caches: ChannelCaches, configuration: LiveConfiguration, metrics: TickerMetrics,
                 compression: CompressionConfiguration, serverName: String) {
        self.caches = caches
        self.configuration = configuration
        self.metrics = metrics
        self.compression = compression
        self.serverName = serverName
    }
}

/// Answers `GET` and `HEAD /api/message` and a channel's `/api/channels/{name}/message`, and the
/// history pages `HistoryPages` holds of each, on the event
/// loop from the bytes kept, without the router, the middleware chain or a task: the routes
/// every screen polls. The answer is the one the router would give, header for header (the
/// tests compare both), and it is counted in the same metric. Anything else goes on to the
/// router, and so does every request while an earlier one on the connection is still being
/// answered there, so answers keep their order. Requests it would not answer exactly as the
/// router does (a `Host` that is refused, a body, an unusual query, a page not held, a
/// compressed body not made yet) go on too; the router then fills the cache.
final class HotReadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Answer {
        case ok(head: Bool)
        case notModified
        case page(HistoryPages.Page, gzip: Bool)
    }

    private let reads: HotReads
    /// Requests passed on to the router whose answers have not ended yet.
    private var passedOn = 0
    /// The request answered here, once its end has arrived.
    private var answering: (answer: Answer, method: HTTPMethod, snapshot: LatestMessageCache.Snapshot, routes: MessageRoutes, cors: [HTTPField])?
    /// The heads for the message held and the current second, built once per change.
    private var built: (id: Int64, second: Int, date: String, ok: HTTPResponseHead, notModified: HTTPResponseHead, body: ByteBuffer)?
    private var lastChannel: (name: String, cache: LatestMessageCache)?
    /// The last `verdict` and what it was worked out for.
    private var checked: (generation: Int, host: String?, origin: String?, verdict: (allowed: Bool, cors: [HTTPField]))?
    private var counters: [CounterKey: CoreMetrics.Counter] = [:]
    private struct CounterKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// The stream this connection carries once its feed took it over; it ends when the server
    /// stops, so the router's answer finishes and the connection closes without the grace period.
    var stream: StreamFeed?
    private(set) var quiescing = false

    init(reads: HotReads) {
        self.reads = reads
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            stream?.end()
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The feed holds the channel: let go of it here, whatever the pipeline does at close.
    func channelInactive(context: ChannelHandlerContext) {
        stream = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if passedOn == 0, answering == nil, let (cache, routes, rest) = target(head.uri), let snapshot = cache.snapshot,
               let (answer, cors) = answer(head, rest, cache, snapshot) {
                answering = (answer, head.method, snapshot, routes, cors)
                return
            }
            passedOn += 1
        case .body:
            if answering != nil { return }
        case .end:
            if let (answer, method, snapshot, routes, cors) = answering {
                answering = nil
                write(answer, method: method, snapshot: snapshot, routes: routes, cors: cors, context: context)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), passedOn > 0 { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    /// The channel's cache and routes a request is for, and its path after the channel's part
    /// (`/message`, `/messages?…`): today's routes are the default channel's; a channel's are
    /// answered here once it has a cache, as the router would (a channel there is).
    private func target(_ uri: String) -> (cache: LatestMessageCache, routes: MessageRoutes, rest: Substring)? {
        if uri.hasPrefix(HotRoutes.message) { return (reads.caches.defaultCache, .plain, uri.dropFirst("/api".count)) }
        guard uri.hasPrefix(HotRoutes.channels) else { return nil }
        let tail = uri.dropFirst(HotRoutes.channels.count)
        guard let slash = tail.firstIndex(of: "/"), tail[slash...].hasPrefix("/message") else { return nil }
        guard let cache = channelCache(tail[..<slash]) else { return nil }
        return (cache, .named, tail[slash...])
    }

    /// The channel's cache. A screen polls one channel, so the last one asked for is kept and
    /// the table every connection shares (under its lock) is read only when the name changes;
    /// a cache, once made, stays for the life of the service.
    private func channelCache(_ name: Substring) -> LatestMessageCache? {
        if let lastChannel, lastChannel.name == name { return lastChannel.cache }
        guard let cache = reads.caches.existing(String(name)) else { return nil }
        lastChannel = (String(name), cache)
        return cache
    }

    /// What to answer and the CORS fields to add (`CrossOrigin`), or nil to pass the request on.
    private func answer(_ head: HTTPRequestHead, _ rest: Substring, _ cache: LatestMessageCache,
                        _ snapshot: LatestMessageCache.Snapshot) -> (Answer, cors: [HTTPField])? {
        guard head.method == .GET || head.method == .HEAD, !head.headers.contains(name: "transfer-encoding"),
              head.headers["content-length"].allSatisfy({ $0 == "0" }) else { return nil }
        let hosts = head.headers["host"], origins = head.headers["origin"]
        if hosts.count > 1 || origins.count > 1 { return nil }
        let verdict = verdict(host: hosts.first, origin: origins.first)
        guard verdict.allowed, let answer = kind(head, rest, cache, snapshot) else { return nil }
        return (answer, verdict.cors)
    }

    /// Whether the router's `HostCheck` lets `host` through, and the CORS fields for `origin`,
    /// under the configuration in force. A connection sends the same `Host` and `Origin` with
    /// each request, so the last verdict is kept and worked out again only when either, or the
    /// configuration (its generation, one atomic read), changed.
    private func verdict(host: String?, origin: String?) -> (allowed: Bool, cors: [HTTPField]) {
        let generation = reads.configuration.generation
        if let checked, checked.generation == generation, checked.host == host, checked.origin == origin { return checked.verdict }
        let (server, access, _) = reads.configuration.hostRules
        var allowed = true
        if let host, access.listensOnLoopback || !access.allowedHosts.isEmpty {
            allowed = HostCheck.allows(host: HostCheck.hostname(host), server: server, access: access)
        }
        let verdict = (allowed, CrossOrigin.fields(origin: origin, allowed: access.corsOrigins))
        checked = (generation, host, origin, verdict)
        return verdict
    }

    private func kind(_ head: HTTPRequestHead, _ rest: Substring, _ cache: LatestMessageCache, _ snapshot: LatestMessageCache.Snapshot) -> Answer? {
        if rest != "/message" {
            guard let (limit, before) = Self.pageQuery(rest),
                  let key = HistoryPages.key(limit: limit, before: before, head: snapshot.message.id),
                  let page = cache.history.page(key) else { return nil }
            guard head.method == .GET,
                  reads.compression.compresses(size: page.body.readableBytes, acceptEncoding: Self.joined(head.headers["accept-encoding"]))
            else { return .page(page, gzip: false) }
            return page.gzip == nil ? nil : .page(page, gzip: true)
        }
        if snapshot.isMatched(by: Self.joined(head.headers["if-none-match"])) { return .notModified }
        if head.method == .GET,
           reads.compression.compresses(size: snapshot.summaryBody.readableBytes, acceptEncoding: Self.joined(head.headers["accept-encoding"])) {
            return nil
        }
        return .ok(head: head.method == .HEAD)
    }

    /// `/api/messages` with nothing but `limit` and `before`, each at most once, as plain numbers
    /// in range (`ListLimit`); anything else is for the router, which explains what is wrong.
    static func pageQuery(_ path: Substring) -> (limit: Int, before: Int64?)? {
        guard path.hasPrefix("/messages") else { return nil }
        let rest = path.dropFirst("/messages".count)
        var limit: Int?, before: Int64?
        if !rest.isEmpty {
            guard rest.first == "?" else { return nil }
            for pair in rest.dropFirst().split(separator: "&", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, (1...18).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                      let value = Int64(parts[1]) else { return nil }
                switch parts[0] {
                case "limit" where limit == nil && ListLimit.range.contains(Int(value)): limit = Int(value)
                case "before" where before == nil && value > 0: before = value
                default: return nil
                }
            }
        }
        return (limit ?? ListLimit.defaultValue, before)
    }

    /// Repeated fields as one, as the router's request has them.
    private static func joined(_ values: [String]) -> String? {
        values.isEmpty ? nil : values.joined(separator: ", ")
    }

    private func write(_ answer: Answer, method: HTTPMethod, snapshot: LatestMessageCache.Snapshot, routes: MessageRoutes,
                       cors: [HTTPField], context: ChannelHandlerContext) {
        let second = time(nil)
        if built?.id != snapshot.message.id || built?.second != second {
            built = Self.heads(snapshot, date: Self.httpDate(second), compression: reads.compression, serverName: reads.serverName)
            built!.second = second
        }
        var status = 200
        switch answer {
        case .page(let page, let gzip):
            let body = gzip ? page.gzip! : page.body
            var headers = HTTPHeaders([("Content-Type", HotRoutes.json)])
            if gzip { headers.add(name: "Content-Encoding", value: "gzip") }
            headers.add(name: "Content-Length", value: String(body.readableBytes))
            if reads.compression.level > 0 { headers.add(name: HotRoutes.vary.name.rawName, value: HotRoutes.vary.value) }
            headers.add(contentsOf: cors.map(\.pair))
            headers.add(contentsOf: [HotRoutes.noSniff.pair, ("Date", built!.date), ("Server", reads.serverName)])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            if method == .GET { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            count(route: routes.history, method: method, status: status)
            return
        case .ok(let headOnly):
            context.write(wrapOutboundOut(.head(Self.adding(cors, to: built!.ok))), promise: nil)
            if !headOnly { context.write(wrapOutboundOut(.body(.byteBuffer(built!.body))), promise: nil) }
        case .notModified:
            status = 304
            context.write(wrapOutboundOut(.head(Self.adding(cors, to: built!.notModified))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        count(route: routes.message, method: method, status: status)
    }

    /// `head` with `fields` where the router's middleware puts them: before `X-Content-Type-Options`.
    private static func adding(_ fields: [HTTPField], to head: HTTPResponseHead) -> HTTPResponseHead {
        guard !fields.isEmpty else { return head }
        var headers = HTTPHeaders()
        for (name, value) in head.headers {
            if name == HotRoutes.noSniff.name.rawName { headers.add(contentsOf: fields.map(\.pair)) }
            headers.add(name: name, value: value)
        }
        return HTTPResponseHead(version: head.version, status: head.status, headers: headers)
    }

    private func count(route: String, method: HTTPMethod, status: Int) {
        let key = CounterKey(route: route, method: method.rawValue, status: status)
        if let counter = counters[key] { return counter.increment() }
        let counter = reads.metrics.httpRequestCounter(route: route, method: method.rawValue, status: status)
        counters[key] = counter
        counter.increment()
    }

    private static func heads(_ snapshot: LatestMessageCache.Snapshot, date: String, compression: CompressionConfiguration,
                              serverName: String) -> (id: Int64, second: Int, date: String, ok: HTTPResponseHead, notModified: HTTPResponseHead, body: ByteBuffer) {
        var ok = HTTPHeaders([("Content-Type", HotRoutes.json)] + HotRoutes.messageHeaders(etag: snapshot.etag).map(\.pair)
            + [("Content-Length", String(snapshot.summaryBody.readableBytes))])
        if compression.level > 0 { ok.add(name: HotRoutes.vary.name.rawName, value: HotRoutes.vary.value) }
        let tail = [HotRoutes.noSniff.pair, ("Date", date), ("Server", serverName)]
        ok.add(contentsOf: tail)
        var notModified = HTTPHeaders(HotRoutes.notModifiedHeaders(etag: snapshot.etag).map(\.pair))
        notModified.add(contentsOf: tail)
        return (snapshot.message.id, 0, date, HTTPResponseHead(version: .http1_1, status: .ok, headers: ok),
                HTTPResponseHead(version: .http1_1, status: .notModified, headers: notModified), snapshot.summaryBody)
    }

    /// RFC 9110's IMF-fixdate: `Wed, 02 Dec 2026 12:45:07 GMT`.
    static func httpDate(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
