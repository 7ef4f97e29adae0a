import Foundation
import Testing
@testable import AITicker
@testable import TickerCore

/// A moderation rule against a loopback server speaking OpenAI's `/v1/moderations`: flagged,
/// passed, failing, hanging and answering garbage, each as the rule's settings say.
@Suite("Moderation endpoint")
struct ModerationTests {
    static func moderation(flagged: Bool, categories: [String: Bool] = [:], scores: [String: Double] = [:]) -> FakeVendor.Reply {
        let body: JSONValue = .object(["id": .string("modr-1"), "model": .string("omni-moderation-latest"), "results": .array([.object([
            "flagged": .bool(flagged), "categories": .object(categories.mapValues(JSONValue.bool)),
            "category_scores": .object(scores.mapValues(JSONValue.number)),
        ])])])
        return .json(200, String(decoding: try! JSONEncoder().encode(body), as: UTF8.self))
    }

    static func config(_ base: String, rule: String) -> String {
        #"""
        {"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "A calm line {uuid}"}}}},
         "ticker": {"dedupe_window": 0}, "global_settings": {"fallback_behavior": "keep_last"},
         "guardrails": {"rules": [{"name": "mod", "type": "moderation", "base_url": "\#(base)/v1", "api_key": "${MOD_KEY}",
                                   "model": "omni-moderation-latest", \#(rule)}]}}
        """#
    }

    @Test func aFlaggedAnswerIsBlockedAndEachCallShowsInTheTickRecord() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            let config = Self.config(base, rule: #""timeout": 20, "categories": ["hate", "violence"], "thresholds": {"violence": 0.4}"#)
            try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken, "MOD_KEY": "mod-secret-key-1234567890"]) { services, _, _ in
                // Flagged by the endpoint in a counted category: blocked.
                vendor.script(Self.moderation(flagged: true, categories: ["hate": true]))
                guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("not blocked"); return }
                #expect(attempts.last?.errorClass == .guardrail)
                let check = try #require(attempts.last?.checks?.first)
                #expect(check.rule == "mod" && check.result == .flagged && check.detail?.contains("hate") == true && check.latencyMs > 0)
                let request = try #require(vendor.requests.last)
                #expect(request.path == "/v1/moderations" && request.headers["authorization"] == "Bearer mod-secret-key-1234567890")
                #expect(request.body["model"] == .string("omni-moderation-latest") && request.body["input"]?.stringValue?.hasPrefix("A calm line") == true)

                // Flagged only in a category the rule does not count, but over a threshold in one it does.
                vendor.script(Self.moderation(flagged: true, categories: ["sexual": true], scores: ["violence": 0.55]))
                guard case .failed = await services.ticks.tick(trigger: .manual) else { Issue.record("the threshold did not count"); return }
                #expect(try await services.store.audit(channel: nil, status: .blocked, limit: 1, before: nil).first?.reason?.contains("violence") == true)

                // Only an uncounted category, scores under the thresholds: published, the pass recorded.
                vendor.script(Self.moderation(flagged: true, categories: ["sexual": true], scores: ["violence": 0.1]))
                guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("not published"); return }
                #expect(message.attempts.last?.checks?.map(\.result) == [.pass])
            }
        }
    }

    /// Fail closed by default: an endpoint that errs, hangs past the rule's timeout or answers
    /// something else holds the message for review; `on_error: publish` lets it through, said so.
    @Test func aFailingEndpointHoldsByDefaultAndPublishesOnlyWhenToldTo() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            try await workspace.withApp(config: Self.config(base, rule: #""timeout": 1"#), environment: ["MOD_KEY": "k"]) { services, _, _ in
                for reply in [FakeVendor.Reply.json(500, #"{"error": {"message": "down"}}"#), .hang,
                              .raw(200, contentType: "text/html", Data("<h1>proxy</h1>".utf8))] {
                    vendor.script(reply)
                    guard case .held(let record) = await services.ticks.tick(trigger: .manual) else { Issue.record("\(reply) was not held"); continue }
                    if case .hang = reply {
                        // Cut off by the rule's timeout, not the tick's deadline (two minutes).
                        #expect(record.reason?.contains("timed out") == true, "\(record)")
                    }
                    #expect(record.rule == "mod" && record.reason?.contains("the check failed") == true, "\(record)")
                    let tick = try #require(try await services.store.recentTicks(limit: 1).first)
                    #expect(tick.outcome == .held && tick.attempts.last?.checks?.first?.result == .error)
                }
            }
        }
        let open = FakeVendor()
        try await open.run { base in
            let workspace = try TestWorkspace()
            try await workspace.withApp(config: Self.config(base, rule: #""timeout": 0.5, "on_error": "publish""#), environment: ["MOD_KEY": "k"]) { services, _, _ in
                open.script(.json(503, #"{"error": {"message": "overloaded"}}"#))
                guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("not published"); return }
                #expect(message.attempts.last?.checks?.first?.detail?.contains("published unchecked") == true)
            }
        }
    }
}
