import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerStorage

/// Guardrails end to end: what a vendor answers, what reaches the public routes, the review
/// queue, retraction and the audit.
@Suite("Review, retraction and audit")
struct ReviewTests {
    static let key = "sk-proj-" + String(repeating: "Ab3dE6gH9j", count: 4)

    static func answer(_ content: String) -> FakeVendor.Reply {
        let escaped = String(decoding: try! JSONEncoder().encode(content), as: UTF8.self)
        return .json(200, #"{"id":"c1","model":"m","choices":[{"message":{"role":"assistant","content":\#(escaped)},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#)
    }

    /// The rules of the bad cases, and the system prompt the echo case repeats.
    static let badCaseRules = #"""
        "guardrails": {"rules": [{"name": "house-words", "type": "words", "words": ["idiot", "nitwit"]},
                                 {"name": "no-keys", "type": "secrets"},
                                 {"name": "no-pii", "type": "pii", "action": "redact"},
                                 {"name": "no-links", "type": "links", "action": "hold"},
                                 {"name": "no-echo", "type": "prompt_echo"}]}
        """#
    static let systemPrompt = "You write one short cheerful line for the lobby screen of a library"
    /// Each bad case the issue names: the answer, and what must become of it.
    static let badCases: [(answer: String, status: AuditRecord.Status, rule: String)] = [
        ("Only an idiot skips the poetry shelf", .blocked, "house-words"),
        ("Only a n1tw1t skips the poetry shelf", .blocked, "house-words"),
        ("Use key \(key) for the catalogue", .blocked, "no-keys"),
        ("Questions? Write to jane.doe@example.org today", .redacted, "no-pii"),
        ("New arrivals at https://example.org/new", .held, "no-links"),
        (systemPrompt, .blocked, "no-echo"),
    ]

    /// Ticks once per bad case (the provider answers them in order) and checks what became of
    /// each: blocked, redacted or held as its rule says, and none of it on a public route.
    static func checkBadCases(_ services: TickerServices, client: any TestClientProtocol, before answer: (String) -> Void) async throws {
        for (text, status, rule) in badCases {
            answer(text)
            let outcome = await services.ticks.tick(trigger: .manual)
            let records = try await services.store.audit(channel: nil, status: nil, limit: 1, before: nil)
            #expect(records.first?.status == status && records.first?.rule == rule, "\(text): \(records)")
            switch (status, outcome) {
            case (.blocked, .failed(let attempts, _)):
                #expect(attempts.last?.errorClass == .guardrail && attempts.last?.detail?.hasPrefix("guardrail \(rule):") == true)
            case (.redacted, .stored(let message)):
                #expect(message.content == "Questions? Write to *** today" && records.first?.messageID == message.id)
            case (.held, .held(let record)):
                #expect(record.content == text && record.id == records.first?.id)
            default:
                Issue.record("\(text): \(outcome)")
            }
        }
        let blockedKey = try await services.store.audit(channel: nil, status: .blocked, limit: 10, before: nil).first { $0.rule == "no-keys" }
        #expect(blockedKey?.content == "Use key *** for the catalogue", "the audit never keeps a secret")
        let history = try await client.execute(uri: "/api/messages?limit=50", method: .get).text
        let latest = try await client.execute(uri: "/api/message", method: .get).text
        for bad in ["idiot", "n1tw1t", "sk-proj", "jane.doe", "example.org/new", "lobby screen"] {
            #expect(!history.contains(bad) && !latest.contains(bad), "\(bad)")
        }
        #expect(latest.contains("Write to *** today"))
    }

    /// Each bad case the issue names, answered by a loopback OpenAI-compatible vendor: never on
    /// a public route, each in the audit with its rule.
    @Test func eachBadAnswerFromAVendorIsKeptOffThePublicRoutes() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            let config = #"""
                {"plugins": {"v": {"plugin": "openai-compatible", "config": {"base_url": "\#(base)/v1", "model": "m"}}},
                 "ticker": {"dedupe_window": 0, "system_prompt": "\#(Self.systemPrompt)"},
                 "global_settings": {"fallback_behavior": "keep_last"}, \#(Self.badCaseRules)}
                """#
            try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
                vendor.script(Self.answer("Good morning, readers!"))
                guard case .stored(let good) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
                try await Self.checkBadCases(services, client: client) { vendor.script(Self.answer($0)) }
                let ids = try await client.execute(uri: "/api/messages?limit=50", method: .get).json["messages"]?.arrayValue.compactMap { $0["id"] }
                #expect(ids?.count == 2 && ids?.last == .number(Double(good.id)))
                // The audit is the admin's: 401 without the token.
                #expect(try await client.execute(uri: "/api/audit", method: .get).status == .unauthorized)
                let audit = try await client.execute(uri: "/api/audit?limit=3", method: .get, headers: adminHeaders).json
                #expect(audit["records"]?.arrayValue.count == 3 && audit["next_before"] != .null)
                let held = try await client.execute(uri: "/api/audit?status=held", method: .get, headers: adminHeaders).json
                #expect(held["records"]?.arrayValue.map { $0["rule"] } == [.string("no-links")])
                #expect(try await client.execute(uri: "/api/audit?status=nope", method: .get, headers: adminHeaders).status == .badRequest)
            }
        }
    }

    static let reviewConfig = #"""
        {"plugins": {"m": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "for review {uuid}"}}},
                     "broken": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"failure": "unavailable", "failure_rate": 1}}}},
         "ticker": {"dedupe_window": 0}, "global_settings": {"fallback_behavior": "use_cache"},
         "guardrails": {"review": true}}
        """#

    /// Under review nothing is published until approved: the generate route answers 202 with
    /// the held record, approval publishes a new message linking it, and a decision is final.
    @Test func underReviewNothingIsPublishedUntilApproved() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.reviewConfig, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            let port = http.port!
            let (_, events, task) = try await SSEClient.connect("http://127.0.0.1:\(port)/api/stream")
            defer { task.cancel() }
            var iterator = events.makeAsyncIterator()
            _ = try await iterator.next()  // the retry hint

            let api = ContractTests.client(port: port)
            guard case .accepted(let accepted) = try await api.generateMessage() else { Issue.record("not 202"); return }
            let first = try accepted.body.json
            #expect(first.status == .held && first.rule == "review" && first.decidedBy == "review" && first.content.hasPrefix("for review "))
            let second = try await api.generateMessage().accepted.body.json
            _ = try await api.getMessage().notFound
            #expect(try await api.listMessages(query: .init(limit: 10)).ok.body.json.messages.isEmpty)
            #expect(try await services.store.recentTicks(limit: 1).first.map { ($0.outcome, $0.heldID) } ?? (.failed, nil) == (.held, second.id))

            let queue = try await api.getReviewQueue(query: .init()).ok.body.json.messages
            #expect(queue.map(\.id) == [second.id, first.id])
            let approved = try await api.approveHeldMessage(path: .init(id: first.id), body: .json(.init(by: "alice", reason: nil))).ok.body.json
            #expect(approved.status == .approved && approved.decidedBy.hasPrefix("admin: alice (from 127.0.0.1"))
            let messageID = try #require(approved.messageId)
            let served = try await api.getLatestMessage().ok.body.json
            #expect(served.id == messageID && served.heldId == first.id && served.content == first.content)
            #expect(try await iterator.nextMessage()?.id == String(messageID), "the stream carries the approved message")

            let rejected = try await api.rejectHeldMessage(path: .init(id: second.id), body: .json(.init(by: nil, reason: "off-topic"))).ok.body.json
            #expect(rejected.status == .rejected && rejected.messageId == nil && rejected.reason?.hasSuffix("; rejected: off-topic") == true)
            #expect(try await api.getReviewQueue(query: .init()).ok.body.json.messages.isEmpty)
            let again = try await api.approveHeldMessage(path: .init(id: second.id), body: nil).conflict.body.json.error
            #expect(again.code == .conflict && again.message.contains("rejected"))
            _ = try await api.approveHeldMessage(path: .init(id: 999_999), body: nil).notFound
            #expect(try await api.listMessages(query: .init(limit: 10)).ok.body.json.messages.map(\.id) == [messageID])

            // Under review, a failed tick does not re-publish from the archive: nobody saw it.
            guard case .failed = await services.ticks.tick(trigger: .manual, only: "broken") else { Issue.record("re-published under review"); return }
            let metrics = try await httpGet("http://127.0.0.1:\(port)/metrics").1
            for line in [#"ai_ticker_guardrail_decisions_total{rule="review",action="approve"} 1"#,
                         #"ai_ticker_guardrail_decisions_total{rule="review",action="reject"} 1"#] {
                #expect(metrics.contains(line), "\(line)")
            }
        }
    }

    /// A retraction takes the message off every public route and every screen at once; the
    /// archive never brings it back, nor does a provider answering it again.
    @Test func aRetractedMessageLeavesEveryRouteAndEveryScreen() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"""
            {"m": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "line {uuid}"}}},
             "broken": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"failure": "unavailable", "failure_rate": 1}}}}
            """#, global: #""fallback_behavior": "use_cache""#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            let port = http.port!
            var stored: [Message] = []
            for _ in 0..<3 {
                guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
                stored.append(message)
            }
            let (_, events, task) = try await SSEClient.connect("http://127.0.0.1:\(port)/api/stream")
            defer { task.cancel() }
            var iterator = events.makeAsyncIterator()
            #expect(try await iterator.nextMessage()?.id == String(stored[2].id))

            let api = ContractTests.client(port: port)
            let record = try await api.retractMessage(path: .init(id: stored[2].id), body: .json(.init(by: nil, reason: "wrong date"))).ok.body.json
            #expect(record.status == .retracted && record.messageId == stored[2].id && record.reason == "wrong date" && record.content == stored[2].content)
            var retraction: SSEEvent?
            while retraction == nil, let event = try await iterator.next() {
                if event.event == "retract" { retraction = event }
            }
            let body = try JSONDecoder().decode(JSONValue.self, from: Data((retraction?.data ?? "").utf8))
            #expect(body["id"] == .number(Double(stored[2].id)) && body["current"]?["id"] == .number(Double(stored[1].id)))
            #expect(retraction?.id == nil, "a retraction leaves the client's Last-Event-ID alone")

            #expect(try await api.getMessage().ok.body.json.id == stored[1].id)
            _ = try await api.getMessageById(path: .init(id: stored[2].id)).notFound
            #expect(try await api.listMessages(query: .init(limit: 10)).ok.body.json.messages.map(\.id) == [stored[1].id, stored[0].id])
            _ = try await api.retractMessage(path: .init(id: stored[2].id), body: nil).notFound
            #expect(try await api.listChannels().ok.body.json.channels.first?.messages == 2, "the count forgets it too")

            // A screen that was away when it happened is told on reconnect.
            let (_, missed, missedTask) = try await SSEClient.connect("http://127.0.0.1:\(port)/api/stream", lastEventID: String(stored[2].id))
            defer { missedTask.cancel() }
            var late = missed.makeAsyncIterator()
            var told: SSEEvent?
            while told == nil, let event = try await late.next() { if event.event == "retract" { told = event } }
            #expect(told?.data?.contains(#""id":\#(stored[2].id)"#) == true)

            // The provider asked failing: the archive picks an older message, never the retracted one.
            for _ in 0..<5 {
                guard case .archived(let message, _) = await services.ticks.tick(trigger: .manual, only: "broken") else { Issue.record("not archived"); return }
                #expect(message.content != stored[2].content)
            }
        }
    }

    /// What an admin took back is never published again, even when a provider answers it word
    /// for word and de-duplication is off.
    @Test func aWithdrawnLineIsNotPublishedAgain() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"m": {"plugin": "mock", "config": {"extra_params": {"content": "The same line every time"}}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            let retract = try await client.execute(uri: "/api/messages/\(message.id)/retract", method: .post, headers: adminHeaders)
            #expect(retract.status == .ok)
            guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("published again"); return }
            #expect(attempts.last?.detail == "guardrail withdrawn: an admin retracted or rejected this message before")
            #expect(try await client.execute(uri: "/api/messages/\(message.id)/retract", method: .post, headers: jsonHeaders,
                                             body: ByteBuffer(string: "not json")).status == .badRequest)
        }
    }
}

@Suite("Audit and review in the store", .postgres)
struct AuditStoreTests {
    @Test(arguments: StoreKind.allCases) func heldRecordsAreApprovedOnceAndRetractionsLeaveEveryRead(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        let first = try await store.insert(draft("first"), retention: 100).message
        let second = try await store.insert(draft("second"), retention: 100).message
        let held = try await store.addAudit(AuditRecord(channel: defaultChannel, status: .held, content: "waiting", rule: "no-links", reason: "a link",
                                                        provider: "p1", model: "m", decidedBy: "guardrail"), held: draft("waiting"), retention: 100)
        #expect(held.id > 0)
        #expect(try await store.audit(channel: defaultChannel, status: .held, limit: 10, before: nil).map(\.id) == [held.id])
        #expect(try await store.audit(channel: "other", status: nil, limit: 10, before: nil).isEmpty)

        let (approved, published) = try await store.approve(held: held.id, by: "admin: test", note: "looks fine") { _ in 100 }
        #expect(approved.status == .approved && approved.messageID == published.message.id && approved.decidedBy == "admin: test")
        #expect(approved.reason == "a link; approved: looks fine")
        #expect(published.message.id > second.id && published.message.heldID == held.id && published.message.content == "waiting")
        #expect(try await store.message(id: published.message.id).heldID == held.id)
        #expect(try await store.audit(channel: nil, status: .approved, limit: 10, before: nil).first?.messageID == published.message.id)
        await #expect(throws: StoreError.self) { _ = try await store.reject(held: held.id, by: "admin", note: nil) }
        await #expect(throws: StoreError.noRecord(424_242)) { _ = try await store.approve(held: 424_242, by: "admin", note: nil) { _ in 100 } }

        let (retracted, current) = try await store.retract(message: published.message.id, by: "admin", reason: "typo")
        #expect(retracted.status == .retracted && retracted.content == "waiting" && retracted.reason == "typo")
        #expect(current?.id == second.id)
        #expect(try await store.latest()?.id == second.id)
        #expect(try await store.messages(limit: 10, before: nil).map(\.id) == [second.id, first.id])
        await #expect(throws: StoreError.notFound(published.message.id)) { _ = try await store.message(id: published.message.id) }
        await #expect(throws: StoreError.notFound(published.message.id)) { _ = try await store.retract(message: published.message.id, by: "admin", reason: nil) }
        await opened.close()
    }
}
