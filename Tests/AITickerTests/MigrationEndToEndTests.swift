import Foundation
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerProviders

/// A guide-style plugin with only the standard library, calling an OpenAI-style API as the
/// guide's example does (fixture written for this test).
let migratedPlugin = """
    import json
    import logging
    import urllib.request
    from typing import Optional, List

    from plugins.base_provider import BaseAIProvider, AIProviderPlugin, ProviderConfig, AIResponse

    class MyCustomProvider(BaseAIProvider):
        @property
        def provider_name(self) -> str:
            return "MyCustomProvider"

        @property
        def supported_models(self) -> List[str]:
            return ["my-gpt-model"]

        def initialize(self) -> bool:
            return self.validate_config()

        def generate_message(self, system_prompt: str, user_prompt: str) -> Optional[AIResponse]:
            try:
                body = json.dumps({"model": self.config.model, "max_tokens": self.config.max_tokens,
                                   "messages": [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}]})
                request = urllib.request.Request(self.config.base_url + "/chat/completions", data=body.encode(),
                                                 headers={"Authorization": f"Bearer {self.config.api_key}", "Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                    data = json.load(response)
                choice = data["choices"][0]
                return AIResponse(content=choice["message"]["content"], provider_name=self.provider_name, model=self.config.model,
                                  usage=data.get("usage", {}), metadata={"response_id": data.get("id"), "finish_reason": choice.get("finish_reason")})
            except Exception as e:
                self.logger.error(f"{self.provider_name} generation error: {e}")
                return None

        def health_check(self) -> bool:
            return True

    PLUGIN_METADATA = {"name": "My Custom AI Provider", "version": "1.0.0", "author": "Your Name",
                       "description": "A custom AI provider for demonstration", "requires": [], "category": "custom"}

    MyCustomPlugin = AIProviderPlugin(provider_class=MyCustomProvider, metadata=PLUGIN_METADATA)
    """

/// `plugin_config.json` in the original's shape, with its presets and the guide's entry (named,
/// as in the guide, after the class `MyCustomProvider` rather than the file `my_provider.py`).
func migratedConfig(base: String) -> String {
    """
    {
      "version": "1.1.0",
      "description": "AI-Ticker Plugin Configuration",
      "plugins": {
        "openrouter": {"enabled": true, "priority": 1,
                       "config": {"name": "OpenRouter", "api_key": null, "base_url": "https://openrouter.ai/api/v1", "model": "openai/gpt-4o", "max_tokens": 512, "temperature": 0.7}},
        "together": {"enabled": true, "priority": 2,
                     "config": {"name": "Together AI", "api_key": null, "base_url": "https://api.together.xyz/v1", "default_model": "meta-llama/Llama-3-8b-chat-hf", "timeout": 30, "max_retries": 3}},
        "mock": {"enabled": false, "priority": 99, "config": {"name": "Mock Provider", "api_key": "mock-key-for-testing", "model": "mock-model"}},
        "my_custom_provider": {"enabled": true, "priority": 4,
                        "config": {"name": "My Custom Provider", "api_key": "${MY_CUSTOM_API_KEY}", "base_url": "\(base)/v1",
                                   "model": "my-gpt-model", "max_tokens": 512, "temperature": 0.7}}
      },
      "global_settings": {"plugin_discovery": true, "auto_load_builtin": true, "custom_plugin_paths": ["plugins/custom"],
                          "plugin_timeout": 30, "max_plugins": 10, "health_check_interval": 300, "fallback_behavior": "use_cache"},
      "metadata": {"created": "2025-05-31", "format_version": "1.0"}
    }
    """
}

/// What the original AI-Ticker's own tests (tests/test_app.py and tests/test_integration.py in
/// L1nch-lab/ai-ticker) assert of its routes, asked over HTTP: the shapes its clients read.
func originalAssertions(port: Int) async throws {
    let base = "http://127.0.0.1:\(port)"
    func json(_ answer: (status: Int, body: String)) throws -> JSONValue {
        #expect(answer.status == 200)
        return try JSONDecoder().decode(JSONValue.self, from: Data(answer.body.utf8))
    }
    let index = try await httpGet(base + "/")
    #expect(index.status == 200 && index.body.contains("<!DOCTYPE html>"), "test_index_route")
    #expect(try json(await httpGet(base + "/api/message"))["message"]?.stringValue != nil, "test_api_message_route")
    #expect(try json(await httpGet(base + "/api/plugins"))["plugins"]?.arrayValue != nil, "test_api_plugins_route")
    #expect(try json(await httpGet(base + "/api/providers"))["providers"]?.objectValue != nil, "test_api_providers_route: a dict")
    let reload = try json(await httpPost(base + "/api/providers/reload"))
    #expect(reload["status"] == .string("success"), "test_api_providers_reload_route")
    #expect(reload["message"]?.stringValue != nil, "test_api_providers_reload_route")
    let health = try json(await httpGet(base + "/api/health"))
    #expect(health["status"] == .string("healthy"), "the original answered healthy: \(health)")
    let names = health["providers"]?.objectValue ?? [:]
    #expect(names["openrouter"] != nil && names["together"] != nil, "test_api_health_with_plugins: providers by name")
    #expect(health["cache_size"]?.doubleValue != nil && health["timestamp"]?.doubleValue != nil)
}

@Suite("Moving an AI-Ticker install over, end to end", .serialized)
struct MigrationEndToEndTests {
    @Test func anOriginalInstallStartsImportsServesFromItsPluginAndReportsWhatDoesNotApply() async throws {
        let workspace = try TestWorkspace()
        let key = "sk-migrated-5e1f0c"
        let vendor = FakeVendor()
        try await vendor.run { base in
            try workspace.write(".env", originalDotEnv + "MY_CUSTOM_API_KEY=\(key)\n")
            try workspace.write("plugin_config.json", migratedConfig(base: base))
            try workspace.write("prompts.json", #"{"default": {"system": "You write ticker lines.", "user": "One short line."}}"#)
            try workspace.write("plugins/__init__.py", "")
            try workspace.write("plugins/custom/__init__.py", "")
            try workspace.write("plugins/custom/my_provider.py", migratedPlugin)
            try workspace.write("message_cache.json", #"["An old message from the Flask days", "Another old message, newer"]"#)

            let check = try ServiceProcess(arguments: ["config", "check"], directory: workspace.url)
            #expect(try await check.exitStatus() == 0, "warnings only: \(check.log)")
            #expect(check.log.contains("plugin_config.json: plugins.together.config.max_retries: not used by ai-ticker"))
            #expect(check.log.contains(".env: SECRET_KEY: not applicable"))

            let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
            let port = try await service.port()
            var latest = (status: 0, body: "")
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !latest.body.contains("my_custom_provider") {
                latest = try await httpGet("http://127.0.0.1:\(port)/api/message")
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(latest.body.contains(#""message":"Hello from OpenAI number 1""#), "\(latest.body)\n\(service.log)")
            #expect(latest.body.contains(#""provider":"my_custom_provider""#), "the guide's entry name finds my_provider.py by its class")
            #expect(vendor.requests.first { $0.method == "POST" }?.headers["authorization"] == "Bearer \(key)")
            let history = try await httpGet("http://127.0.0.1:\(port)/api/messages")
            #expect(history.body.contains(#""content":"An old message from the Flask days""#))
            #expect(history.body.contains(#""source":"import""#))
            let providers = try await httpGet("http://127.0.0.1:\(port)/api/providers")
            #expect(providers.body.contains(#"OPENROUTER_API_KEY holds a placeholder"#))
            try await originalAssertions(port: port)
            // Public routes name no file, host or process.
            for route in ["/api/plugins", "/api/providers", "/api/health", "/api/ticks", "/api/messages"] {
                let body = try await httpGet("http://127.0.0.1:\(port)\(route)").body
                for secret in [workspace.url.path, ProcessInfo.processInfo.hostName, "pid \(service.process.processIdentifier)", "/usr/bin/python3"] {
                    #expect(!body.contains(secret), "\(route) shows \(secret): \(body.prefix(400))")
                }
            }
            let plugins = try await httpGet("http://127.0.0.1:\(port)/api/plugins")
            #expect(plugins.body.contains(#""display_name":"My Custom AI Provider""#))
            #expect(service.log.contains("variables of AI-Ticker that do not apply here: "))
            #expect(service.log.contains("YOUCOM_API_KEY"))
            #expect(service.log.contains("imported AI-Ticker's message cache"))
            #expect(FileManager.default.fileExists(atPath: workspace.path("ai-ticker.log")), "LOG_FILE is honoured")
            #expect(!service.log.contains(key))
            service.signal(SIGTERM)
            #expect(try await service.exitStatus() == 0)
        }
    }
}
