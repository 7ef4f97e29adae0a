import NIOCore
import NIOHTTP1
import TickerConfig
import TickerRuntime

/// One connection's limits and checks, between the HTTP/1 codec and the HTTP types codec (and
/// behind `PipelineGate`, so it sees one request at a time):
/// - timeouts: no complete head within the idle timeout (a connection that sends nothing,
///   partial headers, an idle keep-alive), no end of the body within the read timeout, a full
///   connection the client does not read from within the write timeout. No idle or read timer
///   runs while an answer is being written (a stream, a long tick);
/// - framing: an HTTP/1.0 answer says 1.0, and one without a length closes the connection, as
///   does any answer marked `Connection: close`; HTTP/1.0 clients get no gzip (nginx's default);
/// - requests refused before anything else sees them, answered and closed: a missing or repeated
///   `Host` on HTTP/1.1, an absolute-form target for a host the service does not answer for, an
///   `Upgrade` (the HTTP/1 decoder would stop reading the requests behind it), a client over
///   `server.max_connections_per_client`;
/// - its progress, for the connection limit to choose whom to close (`OpenConnections`).
/// When the server stops, every connection still open after the grace period is closed.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    /// When the idle or read timeout ends the connection, and which; nil while an answer is
    /// being written. Moved on each request without touching `timer` (see `arm`).
    private var deadline: (at: NIODeadline, reason: String)?
    /// The task that checks `deadline`, and when it runs: never later than `deadline`.
    private var timer: (task: Scheduled<Void>, at: NIODeadline)?
    private var writeTimer: Scheduled<Void>?
    private var shutdownTimer: Scheduled<Void>?
    private var progress: ConnectionProgress?
    /// The request whose answer is not finished: its version, method and whether the connection
    /// may stay open after its answer.
    private var request: (version: HTTPVersion, method: HTTPMethod, keepAlive: Bool)?
    /// A request head has arrived and its body has not ended.
    private var reading = false
    /// The answer being written ends the connection.
    private var closeAfterAnswer = false
    /// Set when the connection is refused: its answer, given at the next request head.
    private var refusal: ConnectionRefusal?
    /// A refusal was written: everything else the client sends is dropped.
    private var refused = false
    /// The host and client rules when the connection opened, read once rather than under the
    /// lock every connection shares for each request; a reload applies to new connections.
    private var rules: (server: String, access: AccessConfiguration, perClient: Int)?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { opened(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed()
        context.fireChannelInactive()
    }

    private func opened(_ context: ChannelHandlerContext) {
        guard progress == nil else { return }
        let progress = ConnectionProgress(channel: context.channel)
        self.progress = progress
        let rules = limits.configuration.hostRules
        self.rules = rules
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        // A trusted proxy's connections are counted for the client of their first request.
        if !limits.connections.add(progress, client: peer, perClient: rules.perClient), !ClientAddress.isTrusted(peer, rules.access.trustedProxies) {
            refusal = .tooManyConnections(rules.perClient)
        }
        if limits.connections.payOwed() { limits.metrics.connectionClosed(reason: "evicted") }
        waitForRequest(context)
    }

    private func closed() {
        for scheduled in [timer?.task, writeTimer, shutdownTimer] { scheduled?.cancel() }
        timer = nil
        if let progress { limits.connections.remove(progress) }
        progress = nil
    }

    /// The server is stopping: an idle connection closes at once (Hummingbird), one with a
    /// request in flight gets the grace period to finish.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, shutdownTimer == nil {
            shutdownTimer = schedule(context, limits.grace, reason: "shutdown_grace")
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        switch unwrapInboundIn(data) {
        case .head(var head):
            if let refusal = refusal ?? check(&head, context: context) {
                refuse(refusal, version: head.version, context: context)
                return
            }
            if head.version == .http1_0 { head.headers.remove(name: "accept-encoding") }
            request = (head.version, head.method, head.isKeepAlive)
            reading = true
            progress?.received.store(head.uri.utf8.count + head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 },
                                     ordering: .relaxed)
            arm(context, limits.read, reason: "read_timeout")
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        case .body(let body):
            progress?.received.add(body.readableBytes, ordering: .relaxed)
        case .end:
            reading = false
            progress?.answering.store(true, ordering: .relaxed)
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    /// What refuses this request, if anything; an absolute-form target for an allowed host is
    /// turned into the origin form the router expects, its authority becoming the `Host`.
    private func check(_ head: inout HTTPRequestHead, context: ChannelHandlerContext) -> ConnectionRefusal? {
        if head.method == .CONNECT || (!head.headers["upgrade"].isEmpty && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }) {
            return .upgrade
        }
        let hosts = head.headers["host"]
        if hosts.count > 1 || (hosts.isEmpty && head.version != .http1_0) { return .host(hosts.isEmpty ? "missing" : "repeated") }
        guard let rules else { return nil }
        if let (authority, path) = Self.absoluteForm(head.uri) {
            if rules.access.listensOnLoopback || !rules.access.allowedHosts.isEmpty,
               !HostCheck.allows(host: HostCheck.hostname(authority), server: rules.server, access: rules.access) {
                return .absoluteTarget(authority)
            }
            head.uri = path
            head.headers.replaceOrAdd(name: "host", value: authority)
        }
        if !rules.access.trustedProxies.isEmpty, let progress {
            let client = ClientAddress.resolve(peer: context.channel.remoteAddress?.ipAddress, forwardedFor: head.headers["x-forwarded-for"],
                                               trusted: rules.access.trustedProxies)
            if !limits.connections.attribute(progress, to: client, perClient: rules.perClient) { return .tooManyConnections(rules.perClient) }
        }
        return nil
    }

    /// `http://host:port/path?query` → (`host:port`, `/path?query`); nil for the origin form.
    static func absoluteForm(_ uri: String) -> (authority: String, path: String)? {
        if uri.utf8.first == UInt8(ascii: "/") { return nil }
        let lower = uri.prefix(8).lowercased()
        let scheme = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
        guard scheme > 0 else { return nil }
        let rest = uri.dropFirst(scheme)
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let path = String(rest[end...])
        return (String(rest[..<end]), path.hasPrefix("/") ? path : "/" + path)
    }

    private func refuse(_ refusal: ConnectionRefusal, version: HTTPVersion, context: ChannelHandlerContext) {
        refused = true
        deadline = nil
        limits.metrics.connectionClosed(reason: refusal.reason)
        let (head, body) = refusal.answer(version: version == .http1_0 ? .http1_0 : .http1_1)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let request = self.request ?? (.http1_1, .GET, true)
            closeAfterAnswer = !request.keepAlive || head.headers["connection"].contains { $0.lowercased() == "close" }
            if request.version == .http1_0 {
                head.version = .http1_0
                let bodiless = request.method == .HEAD || !head.status.mayHaveResponseBody
                if !bodiless, !head.headers.contains(name: "content-length") {
                    // Without a length only the close tells where the body ends.
                    closeAfterAnswer = true
                    head.headers.remove(name: "transfer-encoding")
                }
                head.headers.replaceOrAdd(name: "connection", value: closeAfterAnswer ? "close" : "keep-alive")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers):
            request = nil
            guard closeAfterAnswer else {
                context.write(data, promise: promise)
                // Unless the gate passed on the next request while this answer was handed on.
                if request == nil, !reading { waitForRequest(context) }
                return
            }
            let written = promise ?? context.eventLoop.makePromise()
            context.write(wrapOutboundOut(.end(trailers)), promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .body:
            context.write(data, promise: promise)
        }
    }

    /// A client that stops reading fills the socket and then NIO's buffer (`PipelineGate` then
    /// passes on nothing more); one that takes nothing for the write timeout is closed (nginx's
    /// `send_timeout`). Each time it takes some, its time starts again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeTimer?.cancel()
            writeTimer = nil
        } else if writeTimer == nil {
            writeTimer = schedule(context, limits.write, reason: "write_timeout")
        }
        context.fireChannelWritabilityChanged()
    }

    /// Idle until the next request head: timed, and the connection limit may close it.
    private func waitForRequest(_ context: ChannelHandlerContext) {
        progress?.waiting()
        arm(context, limits.idle, reason: "idle_timeout")
    }

    /// Sets the deadline. Scheduling and cancelling a task for each request was a tenth of the
    /// fast path's CPU (BENCHMARKS.md, issue 31), so, as nginx does with its timers, the task
    /// scheduled stays when it runs before the new deadline: it then finds the deadline moved
    /// on and waits again for the rest. A connection thus schedules about once per read
    /// timeout, not twice per request, and still closes at its deadline.
    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount, reason: String) {
        let at = NIODeadline.now() + timeout
        deadline = (at, reason)
        if let timer {
            if timer.at <= at { return }
            timer.task.cancel()
        }
        watch(until: at, context)
    }

    /// Schedules the one task that ends the connection at `deadline`, waiting again if it moved.
    private func watch(until at: NIODeadline, _ context: ChannelHandlerContext) {
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) {
            self.timer = nil
            guard let deadline = self.deadline else { return }
            if deadline.at > .now() { return self.watch(until: deadline.at, context) }
            Self.timedOut(context, reason: deadline.reason, metrics: self.limits.metrics)
        }
        timer = (task, at)
    }

    private func schedule(_ context: ChannelHandlerContext, _ timeout: TimeAmount, reason: String) -> Scheduled<Void> {
        let metrics = limits.metrics
        return context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { Self.timedOut(context, reason: reason, metrics: metrics) }
    }

    private static func timedOut(_ context: ChannelHandlerContext, reason: String, metrics: TickerMetrics) {
        metrics.connectionClosed(reason: reason)
        context.close(promise: nil)
    }
}
