import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import TickerRuntime

/// Hummingbird's HTTP/1 child channel with three handlers between the HTTP/1 codec and the HTTP
/// types codec, where requests are still NIO's `HTTPServerRequestPart`s: `PipelineGate` (one
/// request at a time), `ConnectionGuard` (timeouts, framing, refusals, progress) and
/// `HotReadHandler` (the latest message and kept history pages, answered there).
package struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    let inner: HTTP1Channel
    let limits: ConnectionLimits
    let hotReads: HotReads

    package init(inner: HTTP1Channel, limits: ConnectionLimits, hotReads: HotReads) {
        self.inner = inner
        self.limits = limits
        self.hotReads = hotReads
    }

    package var responder: HTTPChannelHandler.Responder { inner.responder }

    /// The kernel's send buffer per connection, fixed: with the default autotuning a client that
    /// reads nothing makes the kernel take up to 4 MiB of answers from each of its connections,
    /// and copying that for a few hundred of them kept the event loops from everyone else for
    /// seconds (BENCHMARKS.md). Every answer but a long stream fits in it.
    static let sendBuffer = 64 << 10
    static let readSize = 512
    /// Connections accepted each time the loop goes round (NIO's default is 4): a burst of new
    /// clients is taken in a few rounds, so a new client is not kept behind hundreds of others.
    package static let acceptsPerRound: UInt = 256

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(Self.sendBuffer))
            // One read of at most 512 bytes per connection each time the loop goes round: a
            // client that pipelines many small requests brings in a few of them at a time, not
            // thousands to parse before anyone else is served. A request head (or a body) longer
            // than that takes more rounds.
            try channel.syncOptions?.setOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.readSize))
            try channel.syncOptions?.setOption(.maxMessagesPerRead, value: 1)
            // The one assumption about Hummingbird kept here (it has no public hook between the
            // codecs): HTTP1Channel leaves `HTTP1ToHTTPServerCodec` in the pipeline after NIO's
            // HTTP/1 codec. PipelineLayoutTests pins it; were it gone, this throws and the
            // connection closes rather than being served unguarded.
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(PipelineGate(), position: .before(codec))
            try pipeline.addHandler(ConnectionGuard(limits: limits), position: .before(codec))
            try pipeline.addHandler(HotReadHandler(reads: hotReads), position: .before(codec))
            return value
        }
    }

    package func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// What every connection's guard reads: `server.idle_timeout_seconds`,
/// `server.read_timeout_seconds`, `server.write_timeout_seconds`,
/// `server.shutdown_grace_seconds`, and the live rules for hosts and clients.
package struct ConnectionLimits: Sendable {
    /// How long a connection may wait for the head of its next request (its first, too).
    var idle: TimeAmount
    /// How long the body of a request may take once its head is read.
    var read: TimeAmount
    /// How long a client may leave a full socket unread.
    var write: TimeAmount
    /// How long a connection may stay once the server stops (its request in flight, a stream).
    var grace: TimeAmount
    let connections: OpenConnections
    let metrics: TickerMetrics
    /// `server.allowed_hosts`, `server.trusted_proxies`, `server.max_connections_per_client`.
    let configuration: LiveConfiguration

    package init(idle: TimeAmount, read: TimeAmount, write: TimeAmount, grace: TimeAmount,
                 connections: OpenConnections, metrics: TickerMetrics, configuration: LiveConfiguration) {
        self.idle = idle
        self.read = read
        self.write = write
        self.grace = grace
        self.connections = connections
        self.metrics = metrics
        self.configuration = configuration
    }
}

/// Why a request is answered by the connection guard and the connection closed.
enum ConnectionRefusal {
    case host(String)
    case absoluteTarget(String)
    case upgrade
    case tooManyConnections(Int)

    /// The `reason` of `ai_ticker_connections_closed_total`.
    var reason: String {
        switch self {
        case .host, .absoluteTarget: "bad_host"
        case .upgrade: "upgrade_refused"
        case .tooManyConnections: "per_client_limit"
        }
    }

    /// The answer, in the API's error shape, closing the connection.
    func answer(version: HTTPVersion) -> (HTTPResponseHead, ByteBuffer) {
        let (status, code, message): (HTTPResponseStatus, ErrorCode, String) = switch self {
        case .host(let problem):
            (.badRequest, .badHost, "an HTTP/1.1 request needs exactly one Host header; this one's is \(problem)")
        case .absoluteTarget(let authority):
            (.badRequest, .hostNotAllowed, "this service does not answer for host \"\(authority.prefix(100))\"; add it to server.allowed_hosts if it is yours")
        case .upgrade:
            (.badRequest, .upgradeRefused, "this service speaks HTTP/1.1 only and does not switch protocols; send the request without Upgrade")
        case .tooManyConnections(let limit):
            (.tooManyRequests, .tooManyConnections, "at most \(limit) connections from one client (server.max_connections_per_client); close one and retry")
        }
        let body = ByteBuffer(bytes: APIError(status: .init(code: Int(status.code)), code: code, message: message).body)
        var headers = HTTPHeaders([("Content-Type", HotRoutes.json), ("Content-Length", String(body.readableBytes)),
                                   ("Connection", "close"), HotRoutes.noSniff.pair])
        if case .tooManyConnections = self { headers.add(name: "Retry-After", value: "1") }
        return (HTTPResponseHead(version: version, status: status, headers: headers), body)
    }
}
