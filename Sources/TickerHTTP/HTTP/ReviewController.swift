import Foundation
import Hummingbird
import TickerCore
import TickerRuntime
import TickerStorage

/// The admin's side of guardrails: the review queue (`/api/review`, approve, reject), taking a
/// published message back (`/api/messages/{id}/retract`) and the audit (`/api/audit`).
package struct ReviewController {
    let store: any MessageStore
    let caches: ChannelCaches
    let configuration: LiveConfiguration
    let metrics: TickerMetrics

    package init(store: any MessageStore, caches: ChannelCaches, configuration: LiveConfiguration, metrics: TickerMetrics) {
        self.store = store
        self.caches = caches
        self.configuration = configuration
        self.metrics = metrics
    }

    package func register(on table: RouteTable) {
        table.add(.get, "/api/review", admin: true) { request, _ in
            let query = request.uri.queryParameters
            let held = try await store.audit(channel: query.get("channel").map { String($0) }, status: .held,
                                             limit: try MessagesController.limit(query.get("limit")), before: nil)
            return Response.json(["messages": held])
        }
        table.add(.get, "/api/audit", admin: true) { request, _ in
            let query = request.uri.queryParameters
            let limit = try MessagesController.limit(query.get("limit"))
            var status: AuditRecord.Status?
            if let text = query.get("status") {
                guard let value = AuditRecord.Status(rawValue: String(text)) else {
                    throw APIError.badRequest("status must be one of \(AuditRecord.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = value
            }
            let records = try await store.audit(channel: query.get("channel").map { String($0) }, status: status, limit: limit,
                                                before: try Self.id(query.get("before"), name: "before"))
            struct Page: Encodable {
                let records: [AuditRecord]
                let nextBefore: Int64?
                enum CodingKeys: String, CodingKey { case records, nextBefore = "next_before" }

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(records, forKey: .records)
                    try container.encode(nextBefore, forKey: .nextBefore)  // null on the last page, not left out
                }
            }
            return Response.json(Page(records: records, nextBefore: records.count == limit ? records.last?.id : nil))
        }
        table.add(.post, "/api/review/{id}/approve", admin: true) { request, context in
            let (id, by, note) = try await decision(request, context)
            let channels = configuration.value.channels
            let (record, stored) = try await store.approve(held: id, by: by, note: note) { name in
                (channels.first { $0.name == name } ?? channels.first { $0.name == defaultChannel })?.retention ?? 1000
            }
            caches.publish(stored.message, record: stored.record, deletedUpTo: stored.deletedUpTo)
            metrics.guardrail(rule: record.rule ?? "review", action: "approve")
            return Response.json(record)
        }
        table.add(.post, "/api/review/{id}/reject", admin: true) { request, context in
            let (id, by, note) = try await decision(request, context)
            let record = try await store.reject(held: id, by: by, note: note)
            metrics.guardrail(rule: record.rule ?? "review", action: "reject")
            return Response.json(record)
        }
        table.add(.post, "/api/messages/{id}/retract", admin: true) { request, context in
            let (id, by, reason) = try await decision(request, context)
            let (record, current) = try await store.retract(message: id, by: by, reason: reason)
            caches.retract(id, channel: record.channel, current: current)
            metrics.guardrail(rule: "admin", action: "retract")
            return Response.json(record)
        }
    }

    /// The id in the path, and who decides with what reason: the optional JSON body
    /// `{"by": "name", "reason": "why"}`, and where the request came from.
    private func decision(_ request: Request, _ context: AppRequestContext) async throws -> (id: Int64, by: String, reason: String?) {
        guard let id = try Self.id(context.parameters.get("id"), name: "id") else { throw APIError.badRequest("id must be a positive integer") }
        let data = try await request.body.collect(upTo: 16 * 1024)
        struct Body: Decodable {
            var by: String?
            var reason: String?
        }
        var body = Body()
        if data.readableBytes > 0 {
            guard let decoded = try? JSONDecoder().decode(Body.self, from: Data(buffer: data)),
                  (decoded.by?.count ?? 0) <= 100, (decoded.reason?.count ?? 0) <= 500 else {
                throw APIError.badRequest(#"expected no body, or a JSON object {"by": "who decides" (up to 100 characters), "reason": "why" (up to 500)}"#)
            }
            body = decoded
        }
        // Kept and shown to admins only, still never able to drive a terminal.
        let who = body.by.flatMap { $0.isEmpty ? nil : ": \(MessageText.visible($0))" } ?? ""
        let client = context.client(of: request, trusted: configuration.value.access.trustedProxies)
        let reason = body.reason.flatMap { $0.isEmpty ? nil : MessageText.visible($0) }
        return (id, "admin\(who) (from \(client))", reason)
    }

    /// A positive id, or nil when `text` is nil.
    static func id(_ text: (some StringProtocol)?, name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let value = Int64(text), value > 0 else { throw APIError.badRequest("\(name) must be a positive integer") }
        return value
    }
}
