import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with a `ConnectionGuard` between the HTTP/1 codec and the
/// HTTP types codec, where it sees each request's version, head and end, and after it the
/// `HotReadHandler`, which answers the latest message there.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    let inner: HTTP1Channel
    let limits: ConnectionLimits
    let idle: IdleConnections
    let metrics: TickerMetrics
    let hotReads: HotReads

    var responder: HTTPChannelHandler.Responder { inner.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limits: limits, idle: idle, metrics: metrics), position: .before(codec))
            try channel.pipeline.syncOperations.addHandler(HotReadHandler(reads: hotReads), position: .before(codec))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// `server.idle_timeout_seconds` and `server.read_timeout_seconds`.
struct ConnectionLimits: Sendable {
    /// How long a connection may wait for the head of its next request (its first, too).
    var idle: TimeAmount
    /// How long the body of a request may take once its head is read.
    var read: TimeAmount
    /// How long a connection may stay once the server stops (its request in flight, a stream).
    var grace: TimeAmount
}

/// Closes a connection whose client is slow or silent: no complete request head within the idle
/// timeout (a connection that sends nothing, partial headers, an idle keep-alive), or no end of
/// the body within the read timeout. While a response is being written (a stream, a long tick)
/// no timer runs. It also makes HTTP/1.0 behave: the answer says 1.0 and, without keep-alive,
/// the connection closes after it; so does any answer marked `Connection: close`. When the server
/// stops, every connection still open after the grace period is closed.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    private let idle: IdleConnections
    private let metrics: TickerMetrics
    private var timer: Scheduled<Void>?
    private var shutdownTimer: Scheduled<Void>?
    /// Each request whose answer is not finished, oldest first (more than one when a client
    /// pipelines): its version and whether the connection may stay open after its answer.
    private var requests: [(version: HTTPVersion, keepAlive: Bool)] = []
    /// A request head has arrived and its body has not ended.
    private var reading = false
    /// The answer being written said `Connection: close`.
    private var closeAfterAnswer = false

    init(limits: ConnectionLimits, idle: IdleConnections, metrics: TickerMetrics) {
        self.limits = limits
        self.idle = idle
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { waitForRequest(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        waitForRequest(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers(context)
        context.fireChannelInactive()
    }

    private func stopTimers(_ context: ChannelHandlerContext) {
        timer?.cancel()
        shutdownTimer?.cancel()
        idle.remove(context.channel)
    }

    /// The server is stopping: an idle connection closes at once (Hummingbird), one with a
    /// request in flight gets the grace period to finish.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, shutdownTimer == nil {
            let metrics = self.metrics
            shutdownTimer = context.eventLoop.assumeIsolated().scheduleTask(in: limits.grace) {
                metrics.connectionClosed(reason: "shutdown_grace")
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            idle.remove(context.channel)
            requests.append((head.version, head.isKeepAlive))
            reading = true
            arm(context, limits.read, reason: "read")
        case .end:
            reading = false
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            let request = requests.first ?? (.http1_1, true)
            closeAfterAnswer = !request.keepAlive || head.headers["connection"].contains { $0.lowercased() == "close" }
            if request.version.major == 1, request.version.minor == 0 {
                head.version = .http1_0
                head.headers.replaceOrAdd(name: "connection", value: closeAfterAnswer ? "close" : "keep-alive")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers):
            if !requests.isEmpty { requests.removeFirst() }
            let written = promise ?? context.eventLoop.makePromise()
            context.write(wrapOutboundOut(.end(trailers)), promise: written)
            if closeAfterAnswer {
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            } else if requests.isEmpty, !reading {
                waitForRequest(context)
            }
        case .body:
            context.write(data, promise: promise)
        }
    }

    /// Idle until the next request head: timed, and one the connection limit may close.
    private func waitForRequest(_ context: ChannelHandlerContext) {
        arm(context, limits.idle, reason: "idle")
        idle.add(context.channel)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount, reason: String) {
        timer?.cancel()
        let metrics = self.metrics
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            metrics.connectionClosed(reason: "\(reason)_timeout")
            context.close(promise: nil)
        }
    }
}
