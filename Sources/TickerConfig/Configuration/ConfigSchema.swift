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

/// A key read as `Value`: `Int`, `Bool`, `[String]` and `String` keys have a default, a
/// `String?` or `Double?` key has none. The constants are in `Key` (ConfigKeys.swift).
package struct ConfigKey<Value>: Sendable {
    package let spec: ConfigKeySpec
    package var name: String { spec.key }

    init(_ spec: ConfigKeySpec) {
        self.spec = spec
    }
}

/// Every key ai-ticker reads (as the constants of `Key`), in the tables that drive defaults,
/// validation, `ai-ticker config` and `PATCH /api/config`.
package enum ConfigSchema {
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

    /// The spec for a full key such as `ticker.interval_seconds`, `plugins.offline.priority` or
    /// `channels.haiku.schedule.cron`.
    package static func spec(for key: String) -> ConfigKeySpec? {
        if let spec = global.first(where: { $0.key == key }) { return spec }
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3 else { return nil }
        switch parts[0] {
        case "plugins": return instance.first { $0.key == parts[2] }
        case "channels": return ChannelConfiguration.nameProblem(parts[1]) == nil ? channel.first { $0.key == parts[2] } : nil
        case "guardrails" where parts[1] == "rules" && parts[2].hasSuffix(".enabled"):
            return ChannelConfiguration.nameProblem(String(parts[2].dropLast(8))) == nil ? Key.Guardrails.ruleEnabled.spec : nil
        default: return nil
        }
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
