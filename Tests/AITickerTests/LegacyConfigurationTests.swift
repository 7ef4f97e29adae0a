import Foundation
import Logging
import Testing
@testable import AITicker
@testable import TickerConfig

/// The variables of the original AI-Ticker's `.env.example`, with its placeholder values
/// (a fixture written for these tests in that file's shape).
let originalDotEnv = """
    # AI-Ticker settings
    SECRET_KEY=your-secret-key-here-change-in-production
    OPENROUTER_API_KEY=your-openrouter-api-key
    TOGETHER_API_KEY=your-together-api-key
    DEEPINFRA_API_KEY=your-deepinfra-api-key
    ANTHROPIC_API_KEY=your-anthropic-api-key
    GROQ_API_KEY=your-groq-api-key
    GOOGLE_AI_API_KEY=your-google-ai-api-key
    MISTRAL_API_KEY=your-mistral-api-key
    YOUCOM_API_KEY=your-youcom-api-key
    PROMPT_PROFILE=default
    SYSTEM_PROMPT=
    USER_PROMPT=
    CACHE_FILE=message_cache.json
    LAST_FILE=last_messages.json
    FUZZY_THRESHOLD=85
    CACHE_PROBABILITY=0.6
    LAST_LIMIT=3
    MAX_CACHE_SIZE=200
    COMPRESS_LEVEL=6
    COMPRESS_MIN_SIZE=500
    API_TIMEOUT=30
    RATE_LIMIT_DEFAULT=100 per hour
    RATE_LIMIT_API=10 per minute
    PLUGINS_ENABLED=True
    PLUGIN_AUTO_DISCOVERY=True
    PLUGIN_CONFIG_FILE=plugin_config.json
    BUILTIN_PLUGINS_ENABLED=True
    CUSTOM_PLUGINS_PATH=plugins/custom
    PLUGIN_CACHE_SIZE=50
    PLUGIN_TIMEOUT=30
    LOG_LEVEL=INFO
    LOG_FILE=ai-ticker.log
    FLASK_ENV=development
    FLASK_DEBUG=False

    """

@Suite("Moving over from AI-Ticker: configuration")
struct LegacyConfigurationTests {
    @Test func theOriginalDotEnvLoadsAndEveryVariableIsHonouredOrReported() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", originalDotEnv)
        try workspace.write("prompts.json", #"{"default": {"system": "Be brief.", "user": "One line, please."}}"#)
        let configuration = try workspace.load(config: #"{"plugins": {"openrouter": {"config": {"api_key": null}}, "offline": {}}}"#)
        #expect(configuration.logLevel == .info)
        #expect(configuration.ticker.systemPrompt == "Be brief.", "an empty SYSTEM_PROMPT= means unset")
        #expect(configuration.ticker.userPrompt == "One line, please.")
        #expect(configuration.ticker.dedupeWindow == 200)
        #expect(configuration.routing.pluginTimeout == 30)
        #expect(configuration.routing.customPluginPaths == ["plugins/custom"])
        #expect(configuration.logFile == "ai-ticker.log")
        #expect(configuration.importFile == "message_cache.json")
        #expect(configuration.compression == CompressionConfiguration(level: 6, minimumSize: 500))
        #expect(configuration.rateLimit == RateLimit("10/minute"))
        let openrouter = try #require(configuration.providers.first { $0.id == "openrouter" })
        #expect(openrouter.unavailableReason == #"api_key not set: OPENROUTER_API_KEY holds a placeholder ("your-…"), not a key"#)
        let reported = configuration.warnings.filter { $0.reason.hasPrefix("not applicable") }.compactMap(\.key)
        #expect(Set(reported) == ["SECRET_KEY", "CACHE_PROBABILITY", "LAST_LIMIT", "LAST_FILE", "PLUGIN_CACHE_SIZE", "RATE_LIMIT_DEFAULT",
                                  "YOUCOM_API_KEY", "FLASK_ENV", "FLASK_DEBUG"])
        #expect(configuration.warnings.allSatisfy { $0.source == workspace.path(".env") })
    }

    @Test func logLevelIsCaseInsensitiveAndABadOneNamesTheVariableAsWritten() throws {
        let workspace = try TestWorkspace()
        for (written, level) in [("WARNING", Logger.Level.warning), ("warn", .warning), ("Debug", .debug), ("CRITICAL", .critical)] {
            try workspace.write(".env", "LOG_LEVEL=\(written)\n")
            #expect(try workspace.load().logLevel == level)
        }
        try workspace.write(".env", "LOG_LEVEL=LOUD\n")
        let error = try #require(throws: ConfigurationError.self) { try workspace.load() }
        #expect(error.issues.first?.key == "LOG_LEVEL")
        #expect(error.issues.first?.reason.contains(#"got "loud""#) == true)
    }

    @Test func flaskNamesCountOnlyBelowAiTickersOwn() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "FLASK_HOST=0.0.0.0\nFLASK_PORT=5000\n")
        #expect(try workspace.load().server.port == 5000)
        #expect(try workspace.load().server.host == "0.0.0.0")
        #expect(try workspace.load(environment: ["SERVER_PORT": "8081"]).server.port == 8081)
        try workspace.write(".env", "FLASK_PORT=none\n")
        let error = try #require(throws: ConfigurationError.self) { try workspace.load() }
        #expect(error.issues.first?.key == "FLASK_PORT")
    }

    @Test func unknownKeysAreWarningsWithASuggestionAndOriginalKeysAreHonoured() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: """
            {"version": "1.1.0", "description": "AI-Ticker Plugin Configuration", "metadata": {"created": "2025-05-31"},
             "plugins": {
               "local": {"plugin": "openai-compatible", "priorty": 2,
                         "config": {"name": "Local model", "base_url": "http://127.0.0.1:9/v1", "default_model": "llama-3-8b",
                                    "max_retries": 3, "temprature": 0.3,
                                    "extra_params": {"tools": [{"type": "function", "function": {"name": "x"}}]},
                                    "extra_headers": {"X-A": "b"}}},
               "offline": {}},
             "global_settings": {"plugin_discovery": true, "auto_load_builtin": true, "max_plugins": 10, "fallback_behaviour": "use_cache"},
             "ticker": {"intervall_seconds": 60},
             "cache": {"enabled": true}}
            """)
        let local = try #require(configuration.providers.first { $0.id == "local" })
        #expect(local.config.model == "llama-3-8b", "the original's default_model is the model")
        #expect(local.config.displayName == "Local model")
        #expect(local.config.extraParams["tools"] == .array([.object(["type": .string("function"), "function": .object(["name": .string("x")])])]))
        let warnings = Dictionary(uniqueKeysWithValues: configuration.warnings.map { ($0.key ?? "", $0.reason) })
        #expect(warnings["plugins.local.priorty"] == #"unknown key, ignored; did you mean "priority"?"#)
        #expect(warnings["plugins.local.config.temprature"] == #"unknown key, ignored; did you mean "temperature"?"#)
        #expect(warnings["global_settings.fallback_behaviour"] == #"unknown key, ignored; did you mean "fallback_behavior"?"#)
        #expect(warnings["ticker.intervall_seconds"] == #"unknown key, ignored; did you mean "interval_seconds"?"#)
        #expect(warnings["plugins.local.config.max_retries"]?.hasPrefix("not used by ai-ticker") == true)
        #expect(warnings["global_settings.max_plugins"]?.hasPrefix("not used by ai-ticker") == true)
        #expect(warnings["cache"]?.hasPrefix("not used by ai-ticker") == true)
        #expect(warnings.count == 7, "version, description and metadata describe the file: \(warnings.keys.sorted())")
        #expect(configuration.warnings.allSatisfy { $0.source == workspace.path("plugin_config.json") })
    }

    @Test func aMistypedPluginNameGetsASuggestion() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: #"{"plugins": {"mine": {"plugin": "offlne"}, "offline": {}}}"#)
        #expect(configuration.providers.first { $0.id == "mine" }?.unavailableReason == #"unknown plugin "offlne"; did you mean "offline"?"#)
    }

    @Test func pluginSwitchesOfTheOriginalTurnPartsOff() throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/unused.py", "from plugins.base_provider import BaseAIProvider\n")
        let config = #"{"plugins": {"offline": {}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins/custom"))"]}}"#
        #expect(try workspace.loadPlugins(config: config).listings.contains { $0.name == "unused" })
        try workspace.write(".env", "PLUGIN_AUTO_DISCOVERY=False\n")
        #expect(try !workspace.loadPlugins(config: config).listings.contains { $0.name == "unused" }, "only plugins that entries name are loaded")
        try workspace.write(".env", "BUILTIN_PLUGINS_ENABLED=false\n")
        let offline = try workspace.load(config: config).providers.first { $0.id == "offline" }
        #expect(offline?.unavailableReason?.hasPrefix("built-in plugins are switched off") == true)
    }

    @Test func aMalformedRateLimitIsAnErrorNamingTheVariableAsWritten() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "RATE_LIMIT_API=lots per minute\n")
        let error = try #require(throws: ConfigurationError.self) { try workspace.load() }
        #expect(error.issues.map(\.key) == ["RATE_LIMIT_API"])
        #expect(error.issues.first?.reason.contains(#"got "lots per minute""#) == true)
    }

    @Test func rateLimitsParseTheOriginalsNotation() {
        #expect(RateLimit("10 per minute") == RateLimit("10/minute"))
        #expect(RateLimit("10 per minute")?.seconds == 60)
        #expect(RateLimit("100 per hour")?.requests == 100)
        #expect(RateLimit("5 per 30 seconds")?.seconds == 30)
        #expect(RateLimit("2/day")?.seconds == 86_400)
        #expect(RateLimit("ten per minute") == nil)
        #expect(RateLimit("10 per fortnight") == nil)
        #expect(RateLimit("0 per minute") == nil)
    }
}
