import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import TickerCore
import TickerRuntime
import TickerStorage

/// `GET /api/stream` and a channel's `/api/channels/{name}/stream`: Server-Sent Events. On connect the latest message (or, with
/// `Last-Event-ID`, the messages missed since, at most 100), then every new one as it is stored,
/// a heartbeat comment every `server.stream_heartbeat_seconds`, and a `retry:` hint.
package struct StreamController {
    let channels: ChannelResolver
    let store: any MessageStore
    let configuration: LiveConfiguration
    let metrics: TickerMetrics

    package init(channels: ChannelResolver, store: any MessageStore, configuration: LiveConfiguration, metrics: TickerMetrics) {
        self.channels = channels
        self.store = store
        self.configuration = configuration
        self.metrics = metrics
    }
    /// Events a client may fall behind (its connection not taking more) before it is let go.
    static let buffer = 64
    static let maxBacklog = 100

    package func register(on table: RouteTable) {
        // HEAD checks the request like GET but takes no stream slot.
        for routes in MessageRoutes.both {
            table.add(.get, routes.stream, head: { request, context in
                _ = try await channels.channel(context)
                _ = try Self.lastEventID(request)
                return Response(status: .ok, headers: Self.headers)
            }) { request, context in try await stream(request, context: context) }
        }
    }

    /// The header (sent by browsers on reconnect) wins over the query; both must be ids when present.
    static func lastEventID(_ request: Request) throws -> Int64? {
        var lastID: Int64?
        for text in [request.uri.queryParameters.get("last_event_id").map({ String($0) }), request.headers[HTTPField.Name("Last-Event-ID")!]] {
            guard let text else { continue }
            guard let value = Int64(text), value >= 0 else { throw APIError.badRequest("Last-Event-ID must be a message id") }
            lastID = value
        }
        return lastID
    }

    private func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (channel, latest) = try await channels.channel(context)
        let lastID = try Self.lastEventID(request)
        let config = configuration.value
        let server = config.server
        let client = context.client(of: request, trusted: config.access.trustedProxies)
        guard let feed = latest.subscribe(channel: context.channel, buffer: Self.buffer, limit: server.maxStreamClients,
                                          client: client, perClient: server.maxStreamsPerClient) else {
            throw APIError(status: .serviceUnavailable, code: .tooManyStreams,
                           message: "the stream client limit (\(server.maxStreamClients), \(server.maxStreamsPerClient) per client) is reached; retry later",
                           headers: [.retryAfter: "10"])
        }
        var first = [ByteBuffer(string: "retry: 5000\n\n")]
        var sent = lastID ?? 0
        do {
            if let lastID {
                let missed = try await store.messages(channel: channel, after: lastID, limit: Self.maxBacklog)
                first += try missed.map { try LatestMessageCache.streamEvent(id: $0.id, record: ByteBuffer(bytes: JSONCoding.encoder.encode($0))) }
                sent = missed.last?.id ?? lastID
                if missed.isEmpty, lastID > latest.snapshot?.message.id ?? 0 {
                    // The client saw a message this channel no longer serves: it was retracted
                    // while the client was away.
                    first.append(LatestMessageCache.retractionEvent(id: lastID, current: latest.snapshot))
                }
            } else if let snapshot = latest.snapshot {
                first.append(snapshot.streamEvent)
                sent = snapshot.message.id
            }
        } catch {
            latest.unsubscribe(feed)
            throw error
        }
        let (caches, metrics) = (channels.caches, self.metrics)
        metrics.streamClients(caches.subscriberCount)
        let body = ResponseBody { [first, sent] writer in
            defer {
                latest.unsubscribe(feed)
                metrics.streamClients(caches.subscriberCount)
            }
            // The feed writes everything after the head on the connection's event loop, and
            // ends when the client goes, falls behind, or the server stops.
            try await feed.follow(writing: first, sent: sent, latest: latest).get()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: Self.headers, body: body)
    }

    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
    ]
}

/// Sends stream heartbeats. Streams end at shutdown by themselves: each connection's
/// `HotReadHandler` ends its feed when the server starts stopping.
package struct StreamHeartbeatService: Service {
    let caches: ChannelCaches
    let configuration: LiveConfiguration
    let metrics: TickerMetrics

    package init(caches: ChannelCaches, configuration: LiveConfiguration, metrics: TickerMetrics) {
        self.caches = caches
        self.configuration = configuration
        self.metrics = metrics
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let seconds = configuration.value.server.streamHeartbeatSeconds
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
            } catch {
                return
            }
            for (_, cache) in caches.all { cache.heartbeat() }
            metrics.streamClients(caches.subscriberCount)
        }
    }
}
