import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AITicker
@testable import TickerRuntime

/// The rules on their own: what each finds in the bad cases an upstream can answer, and what it
/// leaves alone in ordinary ticker lines.
@Suite("Guardrail rules")
struct GuardrailRuleTests {
    func rule(_ kind: GuardrailRule.Kind, _ action: GuardrailAction = .block) -> Guardrails {
        Guardrails(rules: [GuardrailRule(name: "r", kind: kind, action: action)])
    }

    func blocks(_ guardrails: Guardrails, _ text: String, prompts: [String] = []) -> Bool {
        guardrails.check(text, prompts: prompts).blocked != nil
    }

    @Test func listedWordsAreFoundHoweverTheyAreWritten() {
        let words = rule(.words(WordList(["darn", "heck", "bad phrase"])))
        for text in ["What the darn!", "DARN it", "d4rn", "d@rn", "dárn", "ｄａｒｎ", "daaaarn", "d a r n", "d.a.r.n", "h3ck", "a BAD   phrase here", "b@d phr@se"] {
            #expect(blocks(words, text), "\(text)")
        }
        for text in ["darned socks are darning", "checkpoint", "a bad idea, a phrase", "Hecklers heckle", "dare to run"] {
            #expect(!blocks(words, text), "\(text)")
        }
    }

    @Test func redactionReplacesWhatWasFoundAndKeepsTheRest() {
        let words = rule(.words(WordList(["darn"])), .redact)
        let verdict = words.check("Darn, the d4rn printer again.", prompts: [])
        #expect(verdict.text == "***, the *** printer again.")
        #expect(verdict.blocked == nil && verdict.decisions.map(\.action) == [.redact])
        #expect(verdict.decisions.first?.reason == "a listed word or phrase (2 times)")
    }

    @Test func secretsAreFoundByTheirShapeAndNeverRepeatedInTheReason() {
        let secrets = rule(.secrets)
        let keys = ["sk-proj-abcdefghijklmnopqrstuvwxyz012345", "sk-ant-api03-abcdefghijklmnopqrstuv", "AKIAIOSFODNN7EXAMPLE",
                    "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "xoxb-1234567890-abcdefghij", "AIzaSyA-0123456789abcdefghijklmnopqrstu",
                    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"]
        for key in keys {
            let verdict = secrets.check("Your key is \(key) today", prompts: [])
            #expect(verdict.blocked != nil, "\(key)")
            #expect(!(verdict.blocked?.reason.contains(key.prefix(8)) ?? true))
        }
        #expect(!blocks(secrets, "Ask for the skeleton key at the desk"))
        #expect(!blocks(secrets, "task-list: sk-8 is a size"))
    }

    @Test func personalDataIsFoundAndNumbersThatAreNotItAreLeftAlone() {
        let pii = rule(.personalData)
        for text in ["Write to jane.doe@example.org now", "Call +49 30 1234567", "Call (030) 123 4567", "Call 555-123-4567",
                     "Card 4111 1111 1111 1111 accepted", "Pay to DE89 3704 0044 0532 0130 00"] {
            #expect(blocks(pii, text), "\(text)")
        }
        for text in ["In 2026 about 1,000,000 people came", "Card 4111 1111 1111 1112 fails its check", "Between 1990 and 2000 2010 saw change",
                     "Today is 2026-12-07", "DE89 3704 0044 0532 0130 01 is not an IBAN", "Room 101 on floor 3"] {
            #expect(!blocks(pii, text), "\(text)")
        }
    }

    @Test func linksAreFoundWithOrWithoutAScheme() {
        let links = rule(.links)
        for text in ["See https://example.org/x", "visit www.example.org", "go to bit.ly/abc", "try EXAMPLE.COM"] {
            #expect(blocks(links, text), "\(text)")
        }
        for text in ["The end. Next time, more.", "Version 2.0 is out", "e.g. tea"] {
            #expect(!blocks(links, text), "\(text)")
        }
    }

    @Test func thePromptRepeatedBackIsFound() {
        let echo = rule(.promptEcho)
        let prompts = ["You are a ticker writer for a lobby screen. Keep it short and kind.", "Write one line."]
        #expect(blocks(echo, "Sure! You are a ticker writer for a lobby screen, keep it short.", prompts: prompts))
        #expect(!blocks(echo, "Write one line? Here is one line about tea.", prompts: prompts), "a prompt under four words is not matched")
        #expect(!blocks(echo, "A lobby screen shows a short and kind line.", prompts: prompts))
    }

    @Test func theFirstBlockEndsTheCheckAndHoldsAndLogsAreKept() {
        let guardrails = Guardrails(rules: [
            GuardrailRule(name: "log-links", kind: .links, action: .log),
            GuardrailRule(name: "redact-pii", kind: .personalData, action: .redact),
            GuardrailRule(name: "hold-words", kind: .words(WordList(["sale"])), action: .hold),
            GuardrailRule(name: "keys", kind: .secrets, action: .block),
        ])
        let held = guardrails.check("Big sale at example.com, mail shop@example.com", prompts: [])
        #expect(held.decisions.map(\.rule) == ["log-links", "redact-pii", "hold-words"])
        #expect(held.held?.rule == "hold-words" && held.blocked == nil)
        #expect(held.text == "Big sale at example.com, mail ***")
        let blocked = guardrails.check("sale! sk-abcdefghijklmnopqrstuvwxyz", prompts: [])
        #expect(blocked.blocked?.rule == "keys" && blocked.held == nil)
    }
}

/// The rules in the tick: a blocked answer sends the tick to the next provider, a redacted one
/// is stored redacted, and every decision is counted.
@Suite("Guardrails in a tick")
struct GuardrailTickTests {
    @Test func aBlockedAnswerGoesToTheNextProviderAndARedactedOneIsStoredRedacted() async throws {
        let workspace = try TestWorkspace()
        let config = #"""
            {"plugins": {"rude": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "What the d4rn is this"}}},
                         "leaky": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "Mail jane@example.org about https://example.org now"}}}},
             "ticker": {"dedupe_window": 0},
             "guardrails": {"rules": [{"name": "house-words", "type": "words", "words": ["darn"]},
                                      {"name": "no-pii", "type": "pii", "action": "redact"},
                                      {"name": "links", "type": "links", "action": "log"}]}}
            """#
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            #expect(message.content == "Mail *** about https://example.org now")
            #expect(message.attempts.map(\.outcome) == [.rejected, .success])
            #expect(message.attempts.first?.errorClass == .guardrail)
            #expect(message.attempts.first?.detail == "guardrail house-words: a listed word or phrase")
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            for line in [#"ai_ticker_guardrail_decisions_total{rule="house-words",action="block"} 1"#,
                         #"ai_ticker_guardrail_decisions_total{rule="no-pii",action="redact"} 1"#,
                         #"ai_ticker_guardrail_decisions_total{rule="links",action="log"} 1"#,
                         #"ai_ticker_generations_total{provider="rude",outcome="guardrail"} 1"#] {
                #expect(metrics.contains(line), "\(line)")
            }
            let published = try await client.execute(uri: "/api/message", method: .get).text
            #expect(published.contains("Mail *** about") && !published.contains("jane@"))

            // Switched off at runtime, the word rule lets the first provider's answer through.
            let patched = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                   body: ByteBuffer(string: #"{"guardrails.rules.house-words.enabled": false}"#))
            #expect(patched.status == .ok)
            guard case .stored(let next) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            #expect(next.content == "What the d4rn is this" && next.provider == "rude")
            let ghost = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                 body: ByteBuffer(string: #"{"guardrails.rules.ghost.enabled": false}"#))
            #expect(ghost.status == .unprocessableContent, "an override names a rule the file has")
        }
    }
}
