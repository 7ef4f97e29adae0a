import Foundation
import Hummingbird
import TickerConfig
import TickerCore
import TickerRuntime
import TickerStorage

/// `/api/message`, `/api/messages…` and the same of every channel under `/api/channels/{name}`:
/// the latest message from memory, history from the database.
package struct MessagesController {
    let channels: ChannelResolver
    let store: any MessageStore
    let ticks: TickService
    /// gzip settings: cached pages are compressed here, once per page.
    let compression: CompressionConfiguration

    package init(channels: ChannelResolver, store: any MessageStore, ticks: TickService, compression: CompressionConfiguration) {
        self.channels = channels
        self.store = store
        self.ticks = ticks
        self.compression = compression
    }

    package func register(on table: RouteTable) {
        for routes in MessageRoutes.both {
            table.add(.get, routes.message) { request, context in try await latest(request, context, full: false) }
            table.add(.get, routes.latest) { request, context in try await latest(request, context, full: true) }
            table.add(.get, routes.history) { request, context in try await history(request, context) }
            table.add(.get, routes.byID) { _, context in
                let (name, _) = try await channels.channel(context)
                guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
                    throw APIError.badRequest("id must be a positive integer")
                }
                let message = try await store.message(id: id)
                guard message.channel == name else { throw StoreError.notFound(id) }
                return Response.json(message)
            }
            table.add(.post, routes.generate, admin: true) { _, context in try await generate(context) }
        }
        table.add(.get, "/api/ticks") { request, _ in
            let limit = try Self.limit(request.uri.queryParameters.get("limit"))
            return Response.json(["ticks": try await store.recentTicks(channel: nil, limit: limit)])
        }
    }

    private func latest(_ request: Request, _ context: AppRequestContext, full: Bool) async throws -> Response {
        guard let snapshot = try await channels.channel(context).cache.snapshot else { throw APIError.notFound("no message yet") }
        if snapshot.isMatched(by: request.headers[.ifNoneMatch]) {
            return Response(status: .notModified, headers: HotRoutes.notModifiedHeaders(etag: snapshot.etag))
        }
        return Response.json(buffer: full ? snapshot.recordBody : snapshot.summaryBody, headers: HotRoutes.messageHeaders(etag: snapshot.etag))
    }

    private func history(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let (channel, latest) = try await channels.channel(context)
        let query = request.uri.queryParameters
        let limit = try Self.limit(query.get("limit"))
        var before: Int64?
        if let text = query.get("before") {
            guard let value = Int64(text), value > 0 else { throw APIError.badRequest("before must be a positive message id") }
            before = value
        }
        guard let key = HistoryPages.key(limit: limit, before: before, head: latest.snapshot?.message.id) else {
            return Response.json(buffer: try await page(channel, limit: limit, before: before).body)
        }
        let pages = latest.history
        var page = pages.page(key)
        if page == nil {
            let generation = pages.generation
            page = try await self.page(channel, limit: limit, before: key.before)
            pages.store(page!, for: key, readAt: generation)
        }
        guard request.method == .get, compression.compresses(size: page!.body.readableBytes, acceptEncoding: request.headers[.acceptEncoding]) else {
            return Response.json(buffer: page!.body)
        }
        // Compressed once per page; CompressionMiddleware leaves a body that already has an encoding.
        let gzip = try page!.gzip ?? CompressionMiddleware.gzip(page!.body, level: compression.level)
        if page!.gzip == nil { pages.store(gzip: gzip, for: key) }
        return Response.json(buffer: gzip, headers: [.contentEncoding: "gzip"])
    }

    /// A page read from the store: `{"messages":[records…],"next_before":id|null}`.
    private func page(_ channel: String, limit: Int, before: Int64?) async throws -> HistoryPages.Page {
        let page = try await store.encodedMessages(channel: channel, limit: limit, before: before)
        var body = ByteBuffer(string: #"{"messages":["#)
        for (index, message) in page.enumerated() {
            if index > 0 { body.writeString(",") }
            body.writeBytes(message.json)
        }
        body.writeString(#"],"next_before":\#(page.count == limit ? page.last.map { String($0.id) } ?? "null" : "null")}"#)
        return HistoryPages.Page(body: body, lowest: page.last?.id)
    }

    private func generate(_ context: AppRequestContext) async throws -> Response {
        let (channel, _) = try await channels.channel(context)
        guard channels.configuration.value.channels.contains(where: { $0.name == channel }) else {
            throw APIError(status: .notFound, code: .unknownChannel, message: "channel \"\(channel)\" was removed: its messages are kept, but it no longer ticks")
        }
        switch await ticks.tick(channel: channel, trigger: .manual, join: true) {
        case .stored(let message):
            return Response.json(message, status: .created)
        case .held(let record):
            // Accepted, not published: it waits in the review queue.
            return Response.json(record, status: .accepted)
        case .archived(let message, let attempts):
            throw APIError(status: .badGateway, code: .allProvidersFailed,
                           message: "every provider failed; re-published archived message \(message.id)",
                           details: ["attempts": Self.json(attempts), "archived_message_id": .number(Double(message.id))])
        case .failed(let attempts, let noProvider):
            throw APIError(status: noProvider ? .serviceUnavailable : .badGateway,
                           code: noProvider ? .noProvider : .allProvidersFailed,
                           message: noProvider ? "no provider is available" : "every provider failed",
                           details: ["attempts": Self.json(attempts)])
        case .storageFailed(let attempts):
            throw APIError(status: .serviceUnavailable, code: .storageUnavailable,
                           message: "nothing was stored (\(attempts.last { $0.errorClass == .storage }?.detail ?? "database unavailable")); the last stored message is still served",
                           details: ["attempts": Self.json(attempts)])
        case .skipped:
            throw APIError(status: .conflict, code: .tickInProgress, message: "a tick is already running")
        case .standby(let leader):
            // Nothing was done, so a load balancer may send the request on to another instance.
            throw APIError(status: .serviceUnavailable, code: .standby,
                           message: "this instance stands by; the leader (\(leader ?? "not known yet")) runs the ticks",
                           details: ["leader": leader.map(JSONValue.string) ?? .null])
        }
    }

    /// `limit` by `ListLimit`'s rule.
    static func limit(_ text: String?) throws -> Int {
        guard let value = ListLimit.value(text) else { throw APIError.badRequest(ListLimit.rule) }
        return value
    }

    static func json(_ value: some Encodable) -> JSONValue {
        (try? JSONCoding.encoder.encode(value)).flatMap { try? JSONDecoder().decode(JSONValue.self, from: $0) } ?? .null
    }
}
