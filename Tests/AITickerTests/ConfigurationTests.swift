import Foundation
import Testing
@testable import AITicker
@testable import TickerConfig

@Suite("Configuration layers")
struct ConfigurationTests {
    @Test func withoutAFileTheEmbeddedDefaultUsesTheOfflinePlugin() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load()
        #expect(configuration.providers.map(\.id) == ["offline"])
        #expect(configuration.providers[0].unavailableReason == nil)
        #expect(configuration.server.port == 8080)
        #expect(configuration.server.host == "127.0.0.1")
        #expect(configuration.ticker.intervalSeconds == 300)
        #expect(configuration.effective.first { $0.key == "ticker.interval_seconds" }?.source == "default")
    }

    @Test func laterLayersWinAndEachValueNamesItsLayer() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "TICKER_INTERVAL_SECONDS=120\nTICKER_RETENTION=500\nTICKER_DEDUPE_WINDOW=7\n")
        let configuration = try workspace.load(
            config: #"{"ticker": {"interval_seconds": 60, "retention": 50, "dedupe_window": 5, "fuzzy_threshold": 70}}"#,
            environment: ["TICKER_RETENTION": "900", "TICKER_DEDUPE_WINDOW": "8"],
            overrides: ["ticker.dedupe_window": .number(9)]
        )
        #expect(configuration.ticker.fuzzyThreshold == 70)
        #expect(configuration.ticker.intervalSeconds == 120)
        #expect(configuration.ticker.retention == 900)
        #expect(configuration.ticker.dedupeWindow == 9)
        let sources = Dictionary(configuration.effective.map { ($0.key, $0.source) }, uniquingKeysWith: { $1 })
        #expect(sources["ticker.fuzzy_threshold"] == "file")
        #expect(sources["ticker.interval_seconds"] == ".env")
        #expect(sources["ticker.retention"] == "environment")
        #expect(sources["ticker.dedupe_window"] == "runtime")
    }

    @Test func anOriginalPythonConfigLoadsUnchanged() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: """
            {
              "plugins": {
                "openrouter": {"enabled": true, "priority": 1, "config": {"api_key": null, "model": "openai/gpt-4o-mini"}},
                "anthropic": {"enabled": false, "priority": 2, "config": {"api_key": "${ANTHROPIC_API_KEY}"}},
                "cohere": {"enabled": true, "priority": 3},
                "offline": {"enabled": true, "priority": 99}
              },
              "global_settings": {"custom_plugin_paths": ["plugins/custom"], "plugin_timeout": 30,
                                  "health_check_interval": 300, "fallback_behavior": "use_cache"}
            }
            """)
        let byID = Dictionary(uniqueKeysWithValues: configuration.providers.map { ($0.id, $0) })
        #expect(byID["offline"]?.unavailableReason == nil)
        #expect(byID["offline"]?.priority == 99)
        #expect(byID["openrouter"]?.unavailableReason == "api_key not set: OPENROUTER_API_KEY")
        #expect(byID["anthropic"]?.unavailableReason == "api_key not set: ANTHROPIC_API_KEY")
        #expect(byID["cohere"]?.unavailableReason == "unknown plugin \"cohere\"")
        #expect(byID["anthropic"]?.enabled == false)
        #expect(configuration.routing.fallback == .useCache)
        #expect(configuration.routing.customPluginPaths == ["plugins/custom"])
    }

    @Test func anUnsetVariableLeavesTheProviderUnavailableWithTheVariableNamed() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: pluginConfig(#"{"m": {"plugin": "mock", "config": {"api_key": "${MOCK_SECRET}"}}}"#))
        #expect(configuration.providers[0].unavailableReason == "api_key not set: MOCK_SECRET")
        let withKey = try workspace.load(config: pluginConfig(#"{"m": {"plugin": "mock", "config": {"api_key": "${MOCK_SECRET}"}}}"#),
                                         environment: ["MOCK_SECRET": "canary-123"])
        #expect(withKey.providers[0].unavailableReason == nil)
        #expect(withKey.providers[0].config.apiKey == "canary-123")
        #expect(withKey.effective.first { $0.key == "plugins.m.config.api_key" }?.value == .string("***"))
    }

    @Test func theOriginalVariableNamesAreHonoured() throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", #"{"default": {"system": "s", "user": "u"}, "tech": {"system": "ts", "user": "tu"}}"#)
        let configuration = try workspace.load(environment: [
            "PROMPT_PROFILE": "tech", "FUZZY_THRESHOLD": "60", "LOG_LEVEL": "debug", "API_TIMEOUT": "12", "USER_PROMPT": "custom user",
        ])
        #expect(configuration.ticker.profile == "tech")
        #expect(configuration.ticker.systemPrompt == "ts")
        #expect(configuration.ticker.userPrompt == "custom user")
        #expect(configuration.ticker.fuzzyThreshold == 60)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.providers[0].config.timeout == 12)
    }

    @Test func pluginKeysHaveEnvironmentNames() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(
            config: pluginConfig(#"{"local-llm": {"plugin": "mock", "priority": 5}}"#),
            environment: ["PLUGINS_LOCAL_LLM_PRIORITY": "3", "PLUGINS_LOCAL_LLM_ENABLED": "false"]
        )
        #expect(configuration.providers[0].priority == 3)
        #expect(configuration.providers[0].enabled == false)
        #expect(ConfigSchema.environmentName(for: "plugins.local-llm.priority") == "PLUGINS_LOCAL_LLM_PRIORITY")
    }

    @Test func secretsComeFromKeyFilesAndSystemdCredentials() throws {
        let workspace = try TestWorkspace()
        let keyFile = try workspace.write("secrets/key", "from-file\n")
        try workspace.write("credentials/cred_api_key", "from-credential\n")
        let configuration = try workspace.load(
            config: pluginConfig(#"{"file": {"plugin": "mock", "config": {"api_key_file": "\#(keyFile)"}}, "cred": {"plugin": "mock"}}"#),
            environment: ["CREDENTIALS_DIRECTORY": workspace.path("credentials")]
        )
        let byID = Dictionary(uniqueKeysWithValues: configuration.providers.map { ($0.id, $0) })
        #expect(byID["file"]?.config.apiKey == "from-file")
        #expect(byID["cred"]?.config.apiKey == "from-credential")
        #expect(!configuration.effective.contains { $0.value == .string("from-file") || $0.value == .string("from-credential") })
    }

    @Test func malformedJSONNamesTheFile() throws {
        let workspace = try TestWorkspace()
        let error = #expect(throws: ConfigurationError.self) { try workspace.load(config: #"{"plugins": {"#) }
        #expect(error?.issues.first?.source.hasSuffix("plugin_config.json") == true)
        #expect(error?.issues.first?.reason.contains("invalid JSON") == true)
    }

    @Test func wrongTypesAndRangesNameTheKeyAndReason() throws {
        let workspace = try TestWorkspace()
        let error = #expect(throws: ConfigurationError.self) {
            try workspace.load(config: #"{"ticker": {"interval_seconds": "soon", "fuzzy_threshold": 150}, "global_settings": {"fallback_behavior": "panic"}}"#)
        }
        let text = error?.description ?? ""
        #expect(text.contains("ticker.interval_seconds: expected an integer"))
        #expect(text.contains("ticker.fuzzy_threshold: must be between 0 and 100, got 150"))
        #expect(text.contains("global_settings.fallback_behavior: must be one of use_cache, keep_last"))
    }

    @Test func settingsAPluginCannotUseRejectTheWholeConfigurationWithEachReason() throws {
        let workspace = try TestWorkspace()
        let error = #expect(throws: ConfigurationError.self) {
            try workspace.load(config: pluginConfig("""
                {"m": {"plugin": "mock", "config": {"extra_params": {"failure": "sometimes"}}},
                 "local": {"plugin": "ollama"},
                 "g": {"plugin": "gemini", "config": {"api_key": "k", "model": "models/x?y"}},
                 "fine": {"plugin": "offline"}}
                """))
        }
        let issues = Dictionary(uniqueKeysWithValues: (error?.issues ?? []).map { ($0.source, $0.reason) })
        #expect(issues["plugins.m"]?.contains(#"unknown kind "sometimes""#) == true)
        #expect(issues["plugins.local"]?.contains("model is required") == true)
        #expect(issues["plugins.g"]?.contains("is not a Gemini model name") == true)
        #expect(issues["plugins.fine"] == nil)
        #expect(issues.count == 3)
    }

    @Test func aBadEnvironmentValueNamesTheVariable() throws {
        let workspace = try TestWorkspace()
        let error = #expect(throws: ConfigurationError.self) { try workspace.load(environment: ["SERVER_PORT": "eighty"]) }
        #expect(error?.issues == [ConfigurationIssue(source: "environment", key: "SERVER_PORT", reason: "expected an integer")])
    }

    @Test func aBadDotEnvLineNamesFileAndLine() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "# comment\nGOOD=1\nthis is not an assignment\n")
        let error = #expect(throws: ConfigurationError.self) { try workspace.load() }
        #expect(error?.issues.first?.source == workspace.path(".env") + ":3")
    }

    @Test func anUnknownPromptProfileIsAnError() throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", #"{"default": {"system": "s", "user": "u"}}"#)
        let error = #expect(throws: ConfigurationError.self) { try workspace.load(environment: ["PROMPT_PROFILE": "missing"]) }
        #expect(error?.description.contains("profile \"missing\" not found; available: default") == true)
    }

    @Test func aPluginRejectingItsSettingsIsAnError() throws {
        let workspace = try TestWorkspace()
        let error = #expect(throws: ConfigurationError.self) {
            try workspace.load(config: pluginConfig(#"{"m": {"plugin": "mock", "config": {"extra_params": {"failure": "explode"}}}}"#))
        }
        #expect(error?.description.contains("unknown kind \"explode\"") == true)
    }

    @Test func dotEnvParsingHandlesQuotesExportAndComments() throws {
        let values = try DotEnvFile.parse("export A=1\nB=\"two words\"\nC='x # y'\nD=plain # trailing\n", source: ".env")
        #expect(values == ["A": "1", "B": "two words", "C": "x # y", "D": "plain"])
    }
}
