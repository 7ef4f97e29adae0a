import Foundation
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerProviders

/// The interpreter of the repository's `.venv` (scripts/setup-peers installs httpx and requests there).
let venvPython = repositoryRoot.appendingPathComponent(".venv/bin/python").path

/// A plugin in the shape of the original AI-Ticker's guide: `bodies` are the method bodies of a
/// `BaseAIProvider` subclass (indented by the caller's four spaces), `top` the module's imports.
func guidePlugin(top: String = "", initialize: String = "return self.validate_config()", generate: String,
                 health: String = "return True", extra: String = "") -> String {
    """
    import logging
    from typing import Optional, List
    \(top)
    from plugins.base_provider import BaseAIProvider, AIProviderPlugin, ProviderConfig, AIResponse

    logger = logging.getLogger(__name__)

    class GuideProvider(BaseAIProvider):
        def __init__(self, config: ProviderConfig):
            super().__init__(config)
            self.client = None

        @property
        def provider_name(self) -> str:
            return "GuideProvider"

        @property
        def supported_models(self) -> List[str]:
            return ["guide-1", "guide-2"]

        def initialize(self) -> bool:
            \(initialize.replacingOccurrences(of: "\n", with: "\n        "))

        def generate_message(self, system_prompt: str, user_prompt: str) -> Optional[AIResponse]:
            \(generate.replacingOccurrences(of: "\n", with: "\n        "))

        def health_check(self) -> bool:
            \(health.replacingOccurrences(of: "\n", with: "\n        "))
    \(extra)

    PLUGIN_METADATA = {
        "name": "Guide provider",
        "version": "2.1.0",
        "author": "A. Author",
        "description": "Written to the original guide",
        "requires": ["httpx>=0.27.0"],
        "category": "community",
        "supported_features": ["chat_completion", "health_check"],
    }

    GuidePlugin = AIProviderPlugin(provider_class=GuideProvider, metadata=PLUGIN_METADATA)
    """
}

/// The guide's OpenAI-style request, with `client` the HTTP library's call.
let openAIRequest = """
if not self.client:
    self.logger.error("Provider not initialized")
    return None
payload = {"model": self.config.model, "max_tokens": self.config.max_tokens, "temperature": self.config.temperature,
           "messages": [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}]}
data = self.post(payload)
choice = data["choices"][0]
return AIResponse(content=choice["message"]["content"], provider_name=self.provider_name, model=self.config.model,
                  usage=data.get("usage", {}),
                  metadata={"response_id": data.get("id"), "created": data.get("created"), "finish_reason": choice.get("finish_reason")})
"""

extension TestWorkspace {
    /// Services whose custom plugin path is `workspace/plugins/custom`.
    func guideServices(_ plugins: String, global: String = "", timeout: Int = 5) async throws -> TickerServices {
        let settings = #""fallback_behavior": "keep_last", "custom_plugin_paths": ["\#(path("plugins/custom"))"], "plugin_timeout": \#(timeout)"#
        return try await services(config: pluginConfig(plugins, global: settings + global)).0
    }
}

func providerStatus(_ services: TickerServices, _ id: String) async -> ProviderStatus? {
    await services.providerStatuses().first { $0.id == id }
}

@Suite("Guide-style Python plugins", .serialized)
struct PythonPluginTests {
    @Test func anHTTPXPluginFromTheGuideServesThroughAFakeVendor() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/my_provider.py", guidePlugin(top: "import httpx", initialize: """
            if not self.validate_config():
                return False
            headers = {"Authorization": f"Bearer {self.config.api_key}", "Content-Type": "application/json"}
            headers.update(self.config.extra_headers)
            self.client = httpx.Client(base_url=self.config.base_url, headers=headers, timeout=30.0)
            return True
            """, generate: openAIRequest, health: #"return self.client.get("/models").status_code == 200"#, extra: """

                def post(self, payload):
                    response = self.client.post("/chat/completions", json=payload)
                    response.raise_for_status()
                    return response.json()
            """))
        let vendor = FakeVendor()
        try await vendor.run { base in
            let services = try await workspace.guideServices(#"""
                {"my_provider": {"enabled": true, "priority": 1, "python": "\#(venvPython)",
                  "config": {"name": "My Custom Provider", "api_key": "sk-guide-123456", "base_url": "\#(base)/v1",
                             "model": "guide-1", "max_tokens": 64, "temperature": 0.2, "extra_headers": {"X-Team": "ticker"}}}}
                """#)
            guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            #expect(message.content == "Hello from OpenAI number 1")
            #expect(message.provider == "my_provider")
            #expect(message.providerName == "GuideProvider")
            #expect(message.model == "guide-1")
            #expect(message.usage == Usage(promptTokens: 11, completionTokens: 6, totalTokens: 17))
            #expect(message.responseID == "chatcmpl-1")
            let request = try #require(vendor.requests.first { $0.method == "POST" })
            #expect(request.path == "/v1/chat/completions")
            #expect(request.headers["authorization"] == "Bearer sk-guide-123456")
            #expect(request.headers["x-team"] == "ticker")
            #expect(request.body[key: "max_tokens"] == .number(64))
            #expect(request.body[key: "temperature"] == .number(0.2))
            await services.checkHealth()
            let provider = try #require(await providerStatus(services, "my_provider"))
            #expect(provider.health.status == .healthy)
            #expect(provider.info?["config_name"] == .string("My Custom Provider"))
            #expect(provider.info?["supported_models"] == .array([.string("guide-1"), .string("guide-2")]))
            let listing = try #require(services.configuration.plugins.listings.first { $0.name == "my_provider" })
            #expect(listing.status == "loaded")
            #expect(listing.metadata?.displayName == "Guide provider")
            #expect(listing.metadata?.version == "2.1.0")
            #expect(listing.metadata?.category == .community)
            #expect(listing.interpreter?.contains(".venv") == true)
            await services.shutdown()
        }
    }

    @Test func aRequestsPackagePluginRunsWithTheGlobalInterpreter() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/req_pkg/__init__.py", "from .provider import GuideProvider, GuidePlugin, PLUGIN_METADATA\n")
        try workspace.write("plugins/custom/req_pkg/provider.py", guidePlugin(top: "import requests", initialize: """
            self.client = requests.Session()
            self.client.headers["Authorization"] = f"Bearer {self.config.api_key}"
            return True
            """, generate: openAIRequest, extra: """

                def post(self, payload):
                    response = self.client.post(self.config.base_url + "/chat/completions", json=payload, timeout=self.config.timeout)
                    response.raise_for_status()
                    return response.json()
            """))
        let vendor = FakeVendor()
        try await vendor.run { base in
            let services = try await workspace.guideServices(
                #"{"req_pkg": {"config": {"api_key": "${REQ_KEY}", "base_url": "\#(base)", "model": "guide-2"}}}"#,
                global: #", "python": "\#(venvPython)""#)
            #expect(await providerStatus(services, "req_pkg")?.reason == "api_key not set: REQ_KEY", "an unset ${VAR} is reported, not sent")
            await services.shutdown()
            let withKey = try await workspace.services(config: try String(contentsOfFile: workspace.path("plugin_config.json"), encoding: .utf8),
                                                       environment: ["REQ_KEY": "req-secret-99"]).0
            guard case .stored(let message) = await withKey.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            #expect(message.model == "guide-2")
            #expect(vendor.requests.last?.headers["authorization"] == "Bearer req-secret-99")
            await withKey.shutdown()
        }
    }

    @Test func aStandardLibraryPluginRunsAndItsPrintsNeverBreakTheProtocol() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/plain_facts.py", guidePlugin(top: "import datetime", initialize: "return True", generate: """
            print("debug output on stdout")
            logger.info("generating")
            return AIResponse(content=f"Plain fact {datetime.date(2026, 1, 2).isoformat()}", provider_name=self.provider_name,
                              model="plain-1", usage={"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5},
                              metadata={"finish_reason": "stop"})
            """, extra: """

                def validate_config(self) -> bool:
                    return bool(self.config.model)  # needs no key
            """))
        try workspace.write("plugins/custom/helpers.py", "def shared():\n    return 1\n")
        try workspace.write("plugins/custom/_private.py", "from plugins.base_provider import BaseAIProvider\n")
        let services = try await workspace.guideServices(#"{"plain_facts": {"config": {"model": "plain-1"}}}"#)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == "Plain fact 2026-01-02")
        #expect(message.usage.totalTokens == 5)
        let names = services.configuration.plugins.listings.filter { $0.source == "external" }.map(\.name)
        #expect(names == ["plain_facts"], "helpers without a provider class and _private files are not plugins")
        await services.shutdown()
    }

    @Test func anExceptionIsAFailedAttemptWithItsMessageAndNoKey() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/raiser.py", guidePlugin(initialize: "return True", generate: """
            raise ValueError(f"upstream refused key {self.config.api_key}")
            """))
        let services = try await workspace.guideServices(#"{"raiser": {"priority": 1, "config": {"api_key": "sk-raise-777777", "model": "guide-1"}}, "offline": {"priority": 2}}"#)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.provider == "offline")
        let attempt = try #require(message.attempts.first { $0.provider == "raiser" })
        #expect(attempt.outcome == .failure)
        #expect(attempt.errorClass == .unavailable)
        #expect(attempt.detail?.contains("generate_message() raised ValueError: upstream refused key ***") == true)
        #expect(attempt.detail?.contains("raiser.py line") == true)
        #expect(attempt.detail?.contains("sk-raise-777777") == false)
        await services.shutdown()
    }

    @Test func returningNoneIsAFailedAttemptThatQuotesTheLoggedError() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/quiet.py", guidePlugin(initialize: "return True", generate: """
            self.logger.error("quiet generation error: 503 from upstream")
            return None
            """, health: "return False"))
        let services = try await workspace.guideServices(#"{"quiet": {"config": {"api_key": "k-000000", "model": "guide-1"}}}"#)
        guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("should fail"); return }
        #expect(attempts.first?.detail == "unavailable: generate_message() returned None; logged: quiet generation error: 503 from upstream")
        await services.checkHealth()
        #expect(await providerStatus(services, "quiet")?.health.status == .unhealthy)
        await services.shutdown()
    }

    @Test func failedValidationOrInitializationMakesTheProviderUnavailableWithAReason() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/keyless.py", guidePlugin(generate: "return None"))
        try workspace.write("plugins/custom/refuser.py", guidePlugin(initialize: """
            self.logger.error("cannot reach the vendor")
            return False
            """, generate: "return None"))
        let services = try await workspace.guideServices(#"{"keyless": {"config": {"model": "guide-1"}}, "refuser": {"config": {"api_key": "k-222222", "model": "guide-1"}}}"#)
        let keyless = try #require(await providerStatus(services, "keyless"))
        #expect(!keyless.available)
        #expect(keyless.reason?.hasSuffix("validate_config() returned False; logged: API key is required") == true)
        #expect(await providerStatus(services, "refuser")?.reason?.hasSuffix("initialize() returned False; logged: cannot reach the vendor") == true)
        await services.shutdown()
    }

    @Test func aMissingModuleListsThePluginAsUnavailableWithTheInterpreter() async throws {
        let workspace = try TestWorkspace()
        let bare = workspace.path("bare-venv")
        let venv = Process()
        venv.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        venv.arguments = ["python3", "-m", "venv", "--without-pip", bare]
        #expect(try await runToEnd(venv) == 0)
        try workspace.write("plugins/custom/needs_httpx.py", guidePlugin(top: "import httpx", generate: "return None"))
        let services = try await workspace.guideServices(#"{"needs_httpx": {"priority": 1}, "offline": {"priority": 2}}"#,
                                                         global: #", "python": "\#(bare)/bin/python""#)
        let listing = try #require(services.configuration.plugins.listings.first { $0.name == "needs_httpx" })
        #expect(listing.status == "unavailable")
        #expect(listing.errors.first?.contains("ModuleNotFoundError: No module named 'httpx' (needs_httpx.py line 3)") == true)
        #expect(listing.errors.first?.contains("bare-venv/bin/python") == true)
        let provider = try #require(await providerStatus(services, "needs_httpx"))
        #expect(!provider.available)
        #expect(provider.reason?.contains("No module named 'httpx'") == true)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("offline serves"); return }
        #expect(message.provider == "offline")
        await services.shutdown()
    }

    @Test func aMissingInterpreterIsReportedNotFatal() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/any_plugin.py", guidePlugin(generate: "return None"))
        let services = try await workspace.guideServices(#"{"any_plugin": {"python": "python9.99-nowhere"}}"#)
        #expect(await providerStatus(services, "any_plugin")?.reason?.contains(#"Python interpreter "python9.99-nowhere" not found on PATH"#) == true)
        await services.shutdown()
    }

    @Test func aBlockingCallThatOverrunsTheTimeoutIsCutOffAndTheProcessRestarted() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/sleeper.py", guidePlugin(top: "import os, time", initialize: "return True", generate: """
            if os.path.exists("slept"):
                return AIResponse(content="awake again", provider_name="sleeper", model="guide-1")
            open("slept", "w").close()
            time.sleep(3600)
            """))
        let services = try await workspace.guideServices(#"{"sleeper": {"config": {"timeout": 1, "api_key": "k-111111", "model": "guide-1"}}}"#)
        let first = try #require(await pid(services, "sleeper"))
        guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("should time out"); return }
        #expect(attempts.first?.errorClass == .timeout)
        try await Task.sleep(for: .milliseconds(1_200))  // the crash backoff
        #expect(await processEnds(first, within: .seconds(5)), "killed and reaped")
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("restarted plugin serves"); return }
        #expect(message.content == "awake again")
        #expect(await pid(services, "sleeper") != first)
        await services.shutdown()
    }

    @Test func aReloadWithUnchangedPluginsStartsNoInterpreterButAFixedOneIsPickedUp() async throws {
        let workspace = try TestWorkspace()
        let imports = workspace.path("imports.log")
        let top = "open(\"\(imports)\", \"a\").write(\"imported\\n\")"
        try workspace.write("plugins/custom/counted.py", guidePlugin(top: top, generate: "return None"))
        try workspace.write("plugins/custom/missing.py", guidePlugin(top: top + "\nimport ai_ticker_no_such_module", generate: "return None"))
        let settings = #""custom_plugin_paths": ["\#(workspace.path("plugins/custom"))"]"#
        let sources = try workspace.sources(config: pluginConfig(#"{"counted": {}, "missing": {}}"#, global: settings))
        try workspace.write(".env", "")
        let loader = ConfigurationLoader(sources: sources, registry: .builtin)
        let count = { (try? String(contentsOfFile: imports, encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        let pending = try loader.loadWithPlugins().plugins
        #expect(pending.listings.filter { $0.source == "external" }.allSatisfy { $0.status == "pending" }, "a plain load never waits for a listing")
        _ = try await loader.listed()
        #expect(count() == 2)
        _ = try await loader.listed()
        #expect(count() == 2, "nothing unchanged is listed again")
        loader.pythonDescriptions.forgetRetried()  // what a reload someone asked for does
        _ = try await loader.listed()
        #expect(count() == 3, "the plugin that loaded is remembered; the one missing a module is tried again on reload")
        try workspace.write("plugins/custom/missing.py", guidePlugin(top: top, generate: "return None"))
        let fixed = try await loader.listed().plugins
        #expect(fixed.listings.first { $0.name == "missing" }?.status == "loaded")
        #expect(count() == 4)
        try workspace.write("plugins/custom/counted.py", guidePlugin(top: top + "\n# edited", generate: "return None"))
        _ = try await loader.listed()
        #expect(count() == 5, "an edited plugin is loaded again")
    }

    @Test func aPluginWithASyntaxErrorIsInvalidAndItsProviderSaysWhere() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/broken.py", "from plugins.base_provider import BaseAIProvider\nclass Broken(BaseAIProvider:\n    pass\n")
        let services = try await workspace.guideServices(#"{"broken": {}}"#)
        let listing = try #require(services.configuration.plugins.listings.first { $0.name == "broken" })
        #expect(listing.status == "invalid")
        #expect(listing.errors.first?.contains("cannot load broken.py: SyntaxError") == true)
        #expect(await providerStatus(services, "broken")?.reason?.contains("SyntaxError") == true)
        await services.shutdown()
    }

    @Test func aPluginWithoutAProviderClassOrWithAbstractMethodsIsInvalid() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/half.py", """
            from plugins.base_provider import BaseAIProvider
            class Half(BaseAIProvider):
                def initialize(self):
                    return True
            """)
        let services = try await workspace.guideServices(#"{"half": {}}"#)
        let listing = try #require(services.configuration.plugins.listings.first { $0.name == "half" })
        #expect(listing.status == "invalid")
        #expect(listing.errors == ["Half does not implement generate_message, health_check, provider_name, supported_models"])
        #expect(await providerStatus(services, "half")?.reason?.hasSuffix("Half does not implement generate_message, health_check, provider_name, supported_models") == true)
        await services.shutdown()
        // An entry named after the class (the guide's pairing) cannot find a class that did not
        // load: it says which plugins failed rather than only "unknown".
        let byClass = try await workspace.guideServices(#"{"half_provider": {}}"#)
        #expect(await providerStatus(byClass, "half_provider")?.reason == #"unknown plugin "half_provider"; Python plugins that did not load: half (invalid) (ai-ticker plugins list)"#)
        await byClass.shutdown()
    }
}
