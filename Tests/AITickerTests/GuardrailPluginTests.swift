import Foundation
import Testing
@testable import AITicker
@testable import TickerCore

/// Guardrails as plugins: the shipped better-profanity example through the Python host, a plugin
/// in another language through the protocol, what a plugin that is missing, crashes or answers
/// nonsense means (fail closed), and the issue's bad cases from a guide-style Python provider.
@Suite("Guardrail plugins")
struct GuardrailPluginTests {
    static func settings(_ workspace: TestWorkspace) -> String {
        #""global_settings": {"fallback_behavior": "keep_last", "python": "\#(venvPython)", "custom_plugin_paths": ["\#(workspace.path("plugins/custom"))"], "plugin_timeout": 10}"#
    }

    @Test func theBetterProfanityExampleBlocksThroughThePythonHost() async throws {
        let workspace = try TestWorkspace()
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/guardrails/profanity_guard.py"), encoding: .utf8)
        try workspace.write("plugins/custom/profanity_guard.py", example)
        let config = #"""
            {"plugins": {"rude": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "What a sh1t day {uuid}"}}},
                         "house": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "Darn this weather {uuid}"}}},
                         "calm": {"plugin": "mock", "priority": 3, "config": {"extra_params": {"content": "A calm line {uuid}"}}}},
             "ticker": {"dedupe_window": 0}, \#(Self.settings(workspace)),
             "guardrails": {"rules": [{"name": "profanity", "type": "plugin", "plugin": "profanity_guard", "timeout": 30,
                                       "config": {"extra_words": ["darn"]}}]}}
            """#
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); await services.shutdown(); return }
        #expect(message.provider == "calm")
        #expect(message.attempts.map(\.errorClass) == [.guardrail, .guardrail, nil])
        #expect(message.attempts.first?.detail == "guardrail profanity: better-profanity found a word on its list")
        #expect(message.attempts.map { $0.checks?.first?.result } == [.flagged, .flagged, .pass], "its config's extra word counts too")
        await services.shutdown()
    }

    /// Any language: a plugin directory whose command speaks the protocol. What it answers is
    /// done; a crash, nonsense or a missing plugin holds the message (on_error hold, the default).
    @Test func aPluginInAnyLanguageAndEveryWayOneFailsClosed() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/keyword-guard/plugin.json", """
            {"name": "keyword-guard", "version": "1.0.0", "author": "tests", "description": "holds or blocks by keyword",
             "api_version": "v1", "command": ["python3", "guard.py"], "supported_features": ["guardrail"]}
            """)
        try workspace.write("plugins/custom/keyword-guard/guard.py", #"""
            import json, sys
            for line in sys.stdin:
                request = json.loads(line)
                method, params = request.get("method"), request.get("params") or {}
                if method == "shutdown":
                    sys.exit(0)
                if method == "initialize":
                    result = {"provider_name": "keyword-guard"}
                elif method == "check":
                    text = params["text"]
                    if "crash" in text:
                        sys.exit(3)
                    if "nonsense" in text:
                        result = {"verdict": "fine"}
                    elif "wait" in text:
                        result = {"action": "hold", "reason": "asked to wait on channel " + params["context"]["channel"]}
                    elif "forbidden" in text:
                        result = {"action": "block", "reason": "a forbidden topic"}
                    else:
                        result = {"action": "allow"}
                else:
                    result = {"healthy": True}
                print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}), flush=True)
            """#)
        let config = #"""
            {"plugins": {"wait": {"plugin": "mock", "config": {"extra_params": {"content": "please wait {uuid}"}}},
                         "forbidden": {"plugin": "mock", "config": {"extra_params": {"content": "a forbidden line {uuid}"}}},
                         "crash": {"plugin": "mock", "config": {"extra_params": {"content": "crash now {uuid}"}}},
                         "nonsense": {"plugin": "mock", "config": {"extra_params": {"content": "talk nonsense {uuid}"}}},
                         "good": {"plugin": "mock", "config": {"extra_params": {"content": "all good {uuid}"}}}},
             "ticker": {"dedupe_window": 0}, \#(Self.settings(workspace)),
             "guardrails": {"rules": [{"name": "keywords", "type": "plugin", "plugin": "keyword-guard", "timeout": 30},
                                      {"name": "ghost", "type": "plugin", "plugin": "not-installed", "enabled": false}]}}
            """#
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            let waited = await services.ticks.tick(trigger: .manual, only: "wait")
            guard case .held(let held) = waited else { Issue.record("not held: \(waited)"); return }
            #expect(held.rule == "keywords" && held.reason == "asked to wait on channel default")
            guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual, only: "forbidden") else { Issue.record("not blocked"); return }
            #expect(attempts.last?.detail == "guardrail keywords: a forbidden topic")
            for failing in ["crash", "nonsense"] {
                guard case .held(let record) = await services.ticks.tick(trigger: .manual, only: failing) else { Issue.record("\(failing) was not held"); return }
                #expect(record.reason?.hasPrefix("the check failed") == true, "\(record)")
            }
            // A crashed plugin starts again on its next use once the crash backoff (1 s the first time) has passed.
            try await Task.sleep(for: .seconds(2.5))
            let after = await services.ticks.tick(trigger: .manual, only: "good")
            guard case .stored(let message) = after else { Issue.record("not published after a crash: \(after)"); return }
            #expect(message.attempts.last?.checks?.first?.result == .pass, "the crashed plugin was started again")

            let ghost = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                 body: .init(string: #"{"guardrails.rules.ghost.enabled": true}"#))
            #expect(ghost.status == .ok)
            guard case .held(let missing) = await services.ticks.tick(trigger: .manual, only: "good") else { Issue.record("a missing plugin let it through"); return }
            #expect(missing.rule == "ghost" && missing.reason?.contains("no guardrail plugin not-installed") == true, "\(missing)")
        }
    }

    /// The issue's bad cases answered by a Python plugin written to the original AI-Ticker's
    /// guide: the same decisions as from an HTTP vendor.
    @Test func theBadCasesFromAGuideStylePythonProviderAreCaughtTheSameWay() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/bad_answers.py", #"""
            from typing import List, Optional
            from plugins.base_provider import BaseAIProvider, AIProviderPlugin, ProviderConfig, AIResponse

            ANSWERS = []

            class BadAnswersProvider(BaseAIProvider):
                @property
                def provider_name(self) -> str:
                    return "BadAnswers"

                @property
                def supported_models(self) -> List[str]:
                    return ["bad-1"]

                def validate_config(self) -> bool:
                    return True  # no key needed

                def initialize(self) -> bool:
                    ANSWERS.extend(self.config.extra_params["answers"])
                    return True

                def generate_message(self, system_prompt: str, user_prompt: str) -> Optional[AIResponse]:
                    return AIResponse(content=ANSWERS.pop(0), provider_name=self.provider_name, model="bad-1", metadata={"finish_reason": "stop"})

                def health_check(self) -> bool:
                    return True

            BadAnswersPlugin = AIProviderPlugin(provider_class=BadAnswersProvider, metadata={"name": "Bad answers", "version": "1.0.0"})
            """#)
        let answers = String(decoding: try JSONEncoder().encode(["Good morning, readers!"] + ReviewTests.badCases.map(\.answer)), as: UTF8.self)
        let config = #"""
            {"plugins": {"bad_answers": {"config": {"extra_params": {"answers": \#(answers)}}}},
             "ticker": {"dedupe_window": 0, "system_prompt": "\#(ReviewTests.systemPrompt)"}, \#(Self.settings(workspace)),
             \#(ReviewTests.badCaseRules)}
            """#
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            await services.reloads.applyListings()  // what the running service does once the plugin is listed
            let first = await services.ticks.tick(trigger: .manual)
            guard case .stored = first else { Issue.record("no first message: \(first)"); return }
            try await ReviewTests.checkBadCases(services, client: client) { _ in }
        }
    }
}
