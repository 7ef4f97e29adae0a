import Configuration

/// One known configuration key: its type, default and whether it is secret.
package struct ConfigKeySpec: Sendable {
    package let key: String
    package let type: ConfigType
    package let defaultValue: ConfigContent?
    package var secret = false
    /// Whether `PATCH /api/config` may set it: only operational knobs, never a path, a program,
    /// a plugin kind, an interpreter, an address or a key file (those come from the operator's
    /// files and environment alone, so the HTTP API cannot run a program or send a key elsewhere).
    package var runtime = false
    /// Allowed range for numbers.
    package var range: ClosedRange<Double>? = nil
    /// Allowed values for strings, matched case-insensitively.
    package var choices: [String]? = nil
    /// Other spellings of a choice (`warn` for `warning`), lowercased.
    package var synonyms: [String: String] = [:]
    /// What is wrong with a string value, or nil when it is well-formed.
    package var format: (@Sendable (String) -> String?)? = nil
}

/// Every key ai-ticker reads, in one table that drives defaults, validation,
/// `ai-ticker config` and `PATCH /api/config`.
package enum ConfigSchema {
    static let global: [ConfigKeySpec] = [
        .init(key: "server.host", type: .string, defaultValue: .string("127.0.0.1")),
        .init(key: "server.port", type: .int, defaultValue: .int(8080), range: 0...65535),
        .init(key: "server.max_stream_clients", type: .int, defaultValue: .int(1_000), range: 1...100_000),
        .init(key: "server.stream_heartbeat_seconds", type: .int, defaultValue: .int(15), range: 1...3_600),
        .init(key: "server.max_connections", type: .int, defaultValue: .int(4_096), range: 16...1_000_000),
        .init(key: "server.max_streams_per_client", type: .int, defaultValue: .int(100), range: 1...100_000),
        .init(key: "server.idle_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600),
        .init(key: "server.read_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600),
        .init(key: "server.write_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600),
        .init(key: "server.max_connections_per_client", type: .int, defaultValue: .int(256), range: 1...1_000_000),
        .init(key: "server.shutdown_grace_seconds", type: .int, defaultValue: .int(10), range: 0...600),
        .init(key: "server.compress_level", type: .int, defaultValue: .int(6), range: 0...9),
        .init(key: "server.compress_min_size", type: .int, defaultValue: .int(500), range: 0...100_000_000),
        .init(key: "server.instance_name", type: .string, defaultValue: nil, format: { text in
            text.count <= 64 && !text.isEmpty && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) ? nil
                : "expected 1 to 64 letters, digits, '.', '_' or '-', got \"\(text)\""
        }),
        .init(key: "server.rate_limit_api", type: .string, defaultValue: nil, format: { text in
            RateLimit(text) == nil ? "expected a limit such as \"10 per minute\" or \"100/hour\", got \"\(text)\"" : nil
        }),
        .init(key: "database.path", type: .string, defaultValue: .string("ticker.sqlite")),
        // Secret: a URL may carry the password.
        .init(key: "database.url", type: .string, defaultValue: nil, secret: true, format: { text in
            do throws(ConfigurationIssue) { _ = try PostgresSettings.parse(text); return nil } catch { return error.reason }
        }),
        .init(key: "database.password_file", type: .string, defaultValue: nil),
        .init(key: "ticker.interval_seconds", type: .int, defaultValue: .int(300), runtime: true, range: 1...86_400),
        .init(key: "ticker.prompt_profile", type: .string, defaultValue: .string("default")),
        .init(key: "ticker.prompts_file", type: .string, defaultValue: .string("prompts.json")),
        .init(key: "ticker.system_prompt", type: .string, defaultValue: nil),
        .init(key: "ticker.user_prompt", type: .string, defaultValue: nil),
        .init(key: "ticker.fuzzy_threshold", type: .int, defaultValue: .int(85), runtime: true, range: 0...100),
        .init(key: "ticker.dedupe_window", type: .int, defaultValue: .int(200), runtime: true, range: 0...10_000),
        .init(key: "ticker.retention", type: .int, defaultValue: .int(10_000), range: 10...100_000_000),
        .init(key: "ticker.max_message_length", type: .int, defaultValue: .int(400), runtime: true, range: 20...10_000),
        .init(key: "ticker.import_file", type: .string, defaultValue: .string("message_cache.json")),
        .init(key: "ticker.tick_deadline_seconds", type: .int, defaultValue: .int(120), runtime: true, range: 1...3_600),
        .init(key: "ticker.admin_token", type: .string, defaultValue: nil, secret: true),
        .init(key: "ticker.admin_token_file", type: .string, defaultValue: nil),
        .init(key: "server.allowed_hosts", type: .stringArray, defaultValue: .stringArray([])),
        .init(key: "server.allowed_origins", type: .stringArray, defaultValue: .stringArray([])),
        .init(key: "server.trusted_proxies", type: .stringArray, defaultValue: .stringArray([])),
        .init(key: "global_settings.custom_plugin_paths", type: .stringArray, defaultValue: .stringArray(["plugins/custom"])),
        .init(key: "global_settings.plugin_timeout", type: .int, defaultValue: .int(30), runtime: true, range: 1...600),
        .init(key: "global_settings.health_check_interval", type: .int, defaultValue: .int(300), runtime: true, range: 1...86_400),
        .init(key: "global_settings.python", type: .string, defaultValue: .string("python3")),
        .init(key: "global_settings.plugins_enabled", type: .bool, defaultValue: .bool(true)),
        .init(key: "global_settings.plugin_discovery", type: .bool, defaultValue: .bool(true)),
        .init(key: "global_settings.auto_load_builtin", type: .bool, defaultValue: .bool(true)),
        .init(key: "global_settings.fallback_behavior", type: .string, defaultValue: .string("use_cache"), runtime: true, choices: ["use_cache", "keep_last"]),
        .init(key: "global_settings.circuit_failure_threshold", type: .int, defaultValue: .int(3), runtime: true, range: 1...100),
        .init(key: "global_settings.circuit_cooldown_seconds", type: .int, defaultValue: .int(30), runtime: true, range: 1...86_400),
        .init(key: "logging.level", type: .string, defaultValue: .string("info"), runtime: true,
              choices: ["trace", "debug", "info", "notice", "warning", "error", "critical"], synonyms: ["warn": "warning", "fatal": "critical"]),
        .init(key: "logging.file", type: .string, defaultValue: nil),
    ]

    /// Keys under `plugins.<id>.`; defaults that depend on the instance are filled in by the loader.
    static let instance: [ConfigKeySpec] = [
        .init(key: "plugin", type: .string, defaultValue: nil),
        .init(key: "enabled", type: .bool, defaultValue: .bool(true), runtime: true),
        .init(key: "priority", type: .int, defaultValue: .int(100), runtime: true, range: -1_000_000...1_000_000),
        .init(key: "python", type: .string, defaultValue: nil),
        .init(key: "config.name", type: .string, defaultValue: nil),
        .init(key: "config.api_key", type: .string, defaultValue: nil, secret: true),
        .init(key: "config.api_key_file", type: .string, defaultValue: nil),
        .init(key: "config.base_url", type: .string, defaultValue: nil),
        // The backend an `llm-backend` entry runs (a name its package registered).
        .init(key: "config.backend", type: .string, defaultValue: nil),
        .init(key: "config.model", type: .string, defaultValue: nil, runtime: true),
        .init(key: "config.default_model", type: .string, defaultValue: nil, runtime: true),
        .init(key: "config.timeout", type: .double, defaultValue: nil, runtime: true, range: 0.001...600),
        .init(key: "config.max_tokens", type: .int, defaultValue: .int(512), runtime: true, range: 1...1_000_000),
        .init(key: "config.temperature", type: .double, defaultValue: .double(0.7), runtime: true, range: 0...2),
    ]

    /// Why a key cannot be set at runtime, for errors and warnings.
    package static let runtimeRule = "only operational knobs can be: enabled, priority, intervals, thresholds, timeouts, model, "
        + "temperature, max_tokens, fallback and log level; paths, programs, plugin kinds, interpreters, base URLs and key files "
        + "come only from plugin_config.json, the environment and .env"

    /// Variables of the original Python AI-Ticker and the variable of the key each sets, in order of
    /// preference. One counts only when neither the environment nor `.env` sets the new name.
    static let legacyEnvironmentNames: [(legacy: String, modern: String)] = [
        ("FLASK_HOST", "SERVER_HOST"),
        ("FLASK_PORT", "SERVER_PORT"),
        ("PROMPT_PROFILE", "TICKER_PROMPT_PROFILE"),
        ("SYSTEM_PROMPT", "TICKER_SYSTEM_PROMPT"),
        ("USER_PROMPT", "TICKER_USER_PROMPT"),
        ("PROMPTS_FILE", "TICKER_PROMPTS_FILE"),
        ("FUZZY_THRESHOLD", "TICKER_FUZZY_THRESHOLD"),
        ("MAX_CACHE_SIZE", "TICKER_DEDUPE_WINDOW"),
        ("CACHE_FILE", "TICKER_IMPORT_FILE"),
        ("PLUGIN_TIMEOUT", "GLOBAL_SETTINGS_PLUGIN_TIMEOUT"),
        ("API_TIMEOUT", "GLOBAL_SETTINGS_PLUGIN_TIMEOUT"),
        ("CUSTOM_PLUGINS_PATH", "GLOBAL_SETTINGS_CUSTOM_PLUGIN_PATHS"),
        ("PLUGINS_ENABLED", "GLOBAL_SETTINGS_PLUGINS_ENABLED"),
        ("PLUGIN_AUTO_DISCOVERY", "GLOBAL_SETTINGS_PLUGIN_DISCOVERY"),
        ("BUILTIN_PLUGINS_ENABLED", "GLOBAL_SETTINGS_AUTO_LOAD_BUILTIN"),
        ("LOG_LEVEL", "LOGGING_LEVEL"),
        ("LOG_FILE", "LOGGING_FILE"),
        ("COMPRESS_LEVEL", "SERVER_COMPRESS_LEVEL"),
        ("COMPRESS_MIN_SIZE", "SERVER_COMPRESS_MIN_SIZE"),
        ("RATE_LIMIT_API", "SERVER_RATE_LIMIT_API"),
    ]

    /// Variables of the original's `.env.example` that mean nothing here, and why.
    static let notApplicable: [(name: String, reason: String)] = [
        ("SECRET_KEY", "ai-ticker signs no sessions or cookies; admin routes use TICKER_ADMIN_TOKEN"),
        ("CACHE_PROBABILITY", "every tick asks a provider; stored messages are re-published only when all fail (global_settings.fallback_behavior)"),
        ("LAST_LIMIT", "recent messages live in the database; ticker.dedupe_window (MAX_CACHE_SIZE) sets how many are compared"),
        ("LAST_FILE", "recent messages live in the database (database.path), not in a JSON file"),
        ("PLUGIN_CACHE_SIZE", "plugins are loaded once per configuration; there is no plugin cache"),
        ("RATE_LIMIT_DEFAULT", "read routes are served from memory without a limit; RATE_LIMIT_API limits admin and generate routes"),
        ("YOUCOM_API_KEY", "ai-ticker has no You.com plugin; an openai-compatible entry can reach any such API"),
        ("FLASK_ENV", "there is no Flask and no development mode"),
        ("FLASK_DEBUG", "there is no Flask debugger; LOG_LEVEL=DEBUG logs more"),
    ]

    /// Whether a key's value is an example from a template (`your-openrouter-api-key`), not a key.
    static func isPlaceholder(_ value: String) -> Bool {
        let lower = value.lowercased()
        return lower.hasPrefix("your-") || lower.hasPrefix("your_")
    }

    /// The spec for a full key such as `ticker.interval_seconds` or `plugins.offline.priority`.
    package static func spec(for key: String) -> ConfigKeySpec? {
        if let spec = global.first(where: { $0.key == key }) { return spec }
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "plugins" else { return nil }
        return instance.first { $0.key == parts[2] }
    }

    /// The environment variable that sets `key` (`plugins.local-llm.priority` → `PLUGINS_LOCAL_LLM_PRIORITY`).
    /// Matches swift-configuration's environment key encoding, camelCase boundaries included.
    static func environmentName(for key: String) -> String {
        var name = ""
        var previous: Character?
        for character in key {
            if let previous, previous.isLowercase, character.isUppercase { name.append("_") }
            name.append(character.isLetter || character.isNumber ? Character(character.uppercased()) : "_")
            previous = character
        }
        return name
    }
}
