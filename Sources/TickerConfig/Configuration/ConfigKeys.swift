import Configuration

/// Every key ai-ticker reads, as a typed constant: its name, the Swift type it is read as, its
/// default and its checks (`ConfigKeySpec`). `ConfigResolver` reads values through these, never
/// by spelling a key, and `ConfigSchema`'s tables are made of them.
package enum Key {
    package enum Server {
        package static let host = ConfigKey<String>(.init(key: "server.host", type: .string, defaultValue: .string("127.0.0.1")))
        package static let port = ConfigKey<Int>(.init(key: "server.port", type: .int, defaultValue: .int(8080), range: 0...65535))
        package static let maxStreamClients = ConfigKey<Int>(.init(key: "server.max_stream_clients", type: .int, defaultValue: .int(1_000), range: 1...100_000))
        package static let streamHeartbeatSeconds = ConfigKey<Int>(.init(key: "server.stream_heartbeat_seconds", type: .int, defaultValue: .int(15), range: 1...3_600))
        package static let maxConnections = ConfigKey<Int>(.init(key: "server.max_connections", type: .int, defaultValue: .int(4_096), range: 16...1_000_000))
        package static let maxStreamsPerClient = ConfigKey<Int>(.init(key: "server.max_streams_per_client", type: .int, defaultValue: .int(100), range: 1...100_000))
        package static let idleTimeoutSeconds = ConfigKey<Int>(.init(key: "server.idle_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600))
        package static let readTimeoutSeconds = ConfigKey<Int>(.init(key: "server.read_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600))
        package static let writeTimeoutSeconds = ConfigKey<Int>(.init(key: "server.write_timeout_seconds", type: .int, defaultValue: .int(30), range: 1...3_600))
        package static let maxConnectionsPerClient = ConfigKey<Int>(.init(key: "server.max_connections_per_client", type: .int, defaultValue: .int(256), range: 1...1_000_000))
        package static let shutdownGraceSeconds = ConfigKey<Int>(.init(key: "server.shutdown_grace_seconds", type: .int, defaultValue: .int(10), range: 0...600))
        package static let compressLevel = ConfigKey<Int>(.init(key: "server.compress_level", type: .int, defaultValue: .int(6), range: 0...9))
        package static let compressMinSize = ConfigKey<Int>(.init(key: "server.compress_min_size", type: .int, defaultValue: .int(500), range: 0...100_000_000))
        package static let instanceName = ConfigKey<String?>(.init(key: "server.instance_name", type: .string, defaultValue: nil, format: { text in
                text.count <= 64 && !text.isEmpty && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) ? nil
                    : "expected 1 to 64 letters, digits, '.', '_' or '-', got \"\(text)\""
            }))
        package static let rateLimitApi = ConfigKey<String?>(.init(key: "server.rate_limit_api", type: .string, defaultValue: nil, format: { text in
                RateLimit(text) == nil ? "expected a limit such as \"10 per minute\" or \"100/hour\", got \"\(text)\"" : nil
            }))
        package static let allowedHosts = ConfigKey<[String]>(.init(key: "server.allowed_hosts", type: .stringArray, defaultValue: .stringArray([])))
        package static let allowedOrigins = ConfigKey<[String]>(.init(key: "server.allowed_origins", type: .stringArray, defaultValue: .stringArray([])))
        package static let trustedProxies = ConfigKey<[String]>(.init(key: "server.trusted_proxies", type: .stringArray, defaultValue: .stringArray([])))
        package static let corsOrigins = ConfigKey<[String]>(.init(key: "server.cors_origins", type: .stringArray, defaultValue: .stringArray([])))
    }

    package enum Database {
        package static let path = ConfigKey<String>(.init(key: "database.path", type: .string, defaultValue: .string("ticker.sqlite")))
        /// Secret: a URL may carry the password.
        package static let url = ConfigKey<String?>(.init(key: "database.url", type: .string, defaultValue: nil, secret: true, format: { text in
                do throws(ConfigurationIssue) { _ = try PostgresSettings.parse(text); return nil } catch { return error.reason }
            }))
        package static let passwordFile = ConfigKey<String?>(.init(key: "database.password_file", type: .string, defaultValue: nil))
    }

    package enum Ticker {
        package static let intervalSeconds = ConfigKey<Int>(.init(key: "ticker.interval_seconds", type: .int, defaultValue: .int(300), runtime: true, range: 1...86_400))
        package static let promptProfile = ConfigKey<String>(.init(key: "ticker.prompt_profile", type: .string, defaultValue: .string("default")))
        package static let promptsFile = ConfigKey<String>(.init(key: "ticker.prompts_file", type: .string, defaultValue: .string("prompts.json")))
        package static let systemPrompt = ConfigKey<String?>(.init(key: "ticker.system_prompt", type: .string, defaultValue: nil))
        package static let userPrompt = ConfigKey<String?>(.init(key: "ticker.user_prompt", type: .string, defaultValue: nil))
        package static let fuzzyThreshold = ConfigKey<Int>(.init(key: "ticker.fuzzy_threshold", type: .int, defaultValue: .int(85), runtime: true, range: 0...100))
        package static let dedupeWindow = ConfigKey<Int>(.init(key: "ticker.dedupe_window", type: .int, defaultValue: .int(200), runtime: true, range: 0...10_000))
        package static let retention = ConfigKey<Int>(.init(key: "ticker.retention", type: .int, defaultValue: .int(10_000), range: 10...100_000_000))
        package static let maxMessageLength = ConfigKey<Int>(.init(key: "ticker.max_message_length", type: .int, defaultValue: .int(400), runtime: true, range: 20...10_000))
        package static let importFile = ConfigKey<String>(.init(key: "ticker.import_file", type: .string, defaultValue: .string("message_cache.json")))
        package static let tickDeadlineSeconds = ConfigKey<Int>(.init(key: "ticker.tick_deadline_seconds", type: .int, defaultValue: .int(120), runtime: true, range: 1...3_600))
        /// How long each attempt is kept for `/api/stats`, in days (ticks themselves follow `retention`).
        package static let statsRetentionDays = ConfigKey<Int>(.init(key: "ticker.stats_retention_days", type: .int, defaultValue: .int(35), range: 1...3_660))
        package static let adminToken = ConfigKey<String?>(.init(key: "ticker.admin_token", type: .string, defaultValue: nil, secret: true))
        package static let adminTokenFile = ConfigKey<String?>(.init(key: "ticker.admin_token_file", type: .string, defaultValue: nil))
    }

    package enum GlobalSettings {
        package static let customPluginPaths = ConfigKey<[String]>(.init(key: "global_settings.custom_plugin_paths", type: .stringArray, defaultValue: .stringArray(["plugins/custom"])))
        package static let pluginTimeout = ConfigKey<Int>(.init(key: "global_settings.plugin_timeout", type: .int, defaultValue: .int(30), runtime: true, range: 1...600))
        package static let healthCheckInterval = ConfigKey<Int>(.init(key: "global_settings.health_check_interval", type: .int, defaultValue: .int(300), runtime: true, range: 1...86_400))
        package static let python = ConfigKey<String>(.init(key: "global_settings.python", type: .string, defaultValue: .string("python3")))
        package static let pluginsEnabled = ConfigKey<Bool>(.init(key: "global_settings.plugins_enabled", type: .bool, defaultValue: .bool(true)))
        package static let pluginDiscovery = ConfigKey<Bool>(.init(key: "global_settings.plugin_discovery", type: .bool, defaultValue: .bool(true)))
        package static let autoLoadBuiltin = ConfigKey<Bool>(.init(key: "global_settings.auto_load_builtin", type: .bool, defaultValue: .bool(true)))
        package static let fallbackBehavior = ConfigKey<String>(.init(key: "global_settings.fallback_behavior", type: .string, defaultValue: .string("use_cache"), runtime: true, choices: ["use_cache", "keep_last"]))
        package static let circuitFailureThreshold = ConfigKey<Int>(.init(key: "global_settings.circuit_failure_threshold", type: .int, defaultValue: .int(3), runtime: true, range: 1...100))
        package static let circuitCooldownSeconds = ConfigKey<Int>(.init(key: "global_settings.circuit_cooldown_seconds", type: .int, defaultValue: .int(30), runtime: true, range: 1...86_400))
    }

    package enum Logging {
        package static let level = ConfigKey<String>(.init(key: "logging.level", type: .string, defaultValue: .string("info"), runtime: true,
                  choices: ["trace", "debug", "info", "notice", "warning", "error", "critical"], synonyms: ["warn": "warning", "fatal": "critical"]))
        package static let file = ConfigKey<String?>(.init(key: "logging.file", type: .string, defaultValue: nil))
    }

    /// Keys under `plugins.<id>.`; defaults that depend on the instance are filled in by the resolver.
    package enum Instance {
        package static let plugin = ConfigKey<String?>(.init(key: "plugin", type: .string, defaultValue: nil))
        package static let enabled = ConfigKey<Bool>(.init(key: "enabled", type: .bool, defaultValue: .bool(true), runtime: true))
        package static let priority = ConfigKey<Int>(.init(key: "priority", type: .int, defaultValue: .int(100), runtime: true, range: -1_000_000...1_000_000))
        package static let python = ConfigKey<String?>(.init(key: "python", type: .string, defaultValue: nil))
        package static let configName = ConfigKey<String?>(.init(key: "config.name", type: .string, defaultValue: nil))
        package static let configApiKey = ConfigKey<String?>(.init(key: "config.api_key", type: .string, defaultValue: nil, secret: true))
        package static let configApiKeyFile = ConfigKey<String?>(.init(key: "config.api_key_file", type: .string, defaultValue: nil))
        package static let configBaseUrl = ConfigKey<String?>(.init(key: "config.base_url", type: .string, defaultValue: nil))
        /// The backend an `llm-backend` entry runs (a name its package registered).
        package static let configBackend = ConfigKey<String?>(.init(key: "config.backend", type: .string, defaultValue: nil))
        package static let configModel = ConfigKey<String?>(.init(key: "config.model", type: .string, defaultValue: nil, runtime: true))
        package static let configDefaultModel = ConfigKey<String?>(.init(key: "config.default_model", type: .string, defaultValue: nil, runtime: true))
        package static let configTimeout = ConfigKey<Double?>(.init(key: "config.timeout", type: .double, defaultValue: nil, runtime: true, range: 0.001...600))
        package static let configMaxTokens = ConfigKey<Int>(.init(key: "config.max_tokens", type: .int, defaultValue: .int(512), runtime: true, range: 1...1_000_000))
        package static let configTemperature = ConfigKey<Double>(.init(key: "config.temperature", type: .double, defaultValue: .double(0.7), runtime: true, range: 0...2))
        /// Prices of a million tokens, in any one currency (the same for every entry): spend in `/api/stats`.
        package static let configPriceInput = ConfigKey<Double?>(.init(key: "config.price_per_million_input_tokens", type: .double, defaultValue: nil,
                                                                      runtime: true, range: 0...1_000_000))
        package static let configPriceOutput = ConfigKey<Double?>(.init(key: "config.price_per_million_output_tokens", type: .double, defaultValue: nil,
                                                                       runtime: true, range: 0...1_000_000))
        /// Spend per UTC day after which the entry is skipped until the next day.
        package static let configDailyBudget = ConfigKey<Double?>(.init(key: "config.daily_budget", type: .double, defaultValue: nil, runtime: true,
                                                                       range: 0...1_000_000_000))
    }

    /// `guardrails.*` (the rules themselves are read from the file's `guardrails.rules`).
    package enum Guardrails {
        package static let review = ConfigKey<Bool>(.init(key: "guardrails.review", type: .bool, defaultValue: .bool(false), runtime: true))
        /// `guardrails.rules.<name>.enabled`: a rule switched off or on again at runtime.
        package static let ruleEnabled = ConfigKey<Bool?>(.init(key: "enabled", type: .bool, defaultValue: nil, runtime: true))
    }

    /// Keys under `channels.<name>.`; what a channel leaves out comes from `ticker.*`.
    package enum Channel {
        package static let profile = ConfigKey<String?>(.init(key: "profile", type: .string, defaultValue: nil, runtime: true))
        package static let systemPrompt = ConfigKey<String?>(.init(key: "prompts.system", type: .string, defaultValue: nil))
        package static let userPrompt = ConfigKey<String?>(.init(key: "prompts.user", type: .string, defaultValue: nil))
        package static let intervalSeconds = ConfigKey<Int?>(.init(key: "schedule.interval_seconds", type: .int, defaultValue: nil, runtime: true, range: 1...86_400))
        package static let cron = ConfigKey<String?>(.init(key: "schedule.cron", type: .string, defaultValue: nil, runtime: true, format: { text in
                do throws(ScheduleError) { _ = try CronExpression(text); return nil } catch { return error.description }
            }))
        package static let timeZone = ConfigKey<String?>(.init(key: "schedule.time_zone", type: .string, defaultValue: nil, runtime: true, format: { text in
                do throws(ScheduleError) { _ = try Schedule.timeZone(text); return nil } catch { return error.description }
            }))
        package static let activeHours = ConfigKey<String?>(.init(key: "schedule.active_hours", type: .string, defaultValue: nil, runtime: true, format: { text in
                do throws(ScheduleError) { _ = try Schedule.activeHours(text); return nil } catch { return error.description }
            }))
        package static let days = ConfigKey<[String]?>(.init(key: "schedule.days", type: .stringArray, defaultValue: nil, runtime: true))
        package static let providers = ConfigKey<[String]?>(.init(key: "providers", type: .stringArray, defaultValue: nil, runtime: true))
        package static let dedupeWindow = ConfigKey<Int?>(.init(key: "dedupe_window", type: .int, defaultValue: nil, runtime: true, range: 0...10_000))
        package static let retention = ConfigKey<Int?>(.init(key: "retention", type: .int, defaultValue: nil, range: 10...100_000_000))
        package static let maxMessageLength = ConfigKey<Int?>(.init(key: "max_message_length", type: .int, defaultValue: nil, runtime: true, range: 20...10_000))
        /// Spend per UTC day after which the channel asks only providers without a price.
        package static let dailyBudget = ConfigKey<Double?>(.init(key: "daily_budget", type: .double, defaultValue: nil, runtime: true, range: 0...1_000_000_000))
        /// Every message of the channel waits for review (`guardrails.review` when left out).
        package static let review = ConfigKey<Bool?>(.init(key: "guardrails.review", type: .bool, defaultValue: nil, runtime: true))
        /// The names of the rules that apply to the channel, in their order (every rule when left out).
        package static let guardrailRules = ConfigKey<[String]?>(.init(key: "guardrails.rules", type: .stringArray, defaultValue: nil))
    }
}

extension ConfigSchema {
    /// The global keys.
    static let global: [ConfigKeySpec] = [
        Key.Server.host.spec, Key.Server.port.spec, Key.Server.maxStreamClients.spec, Key.Server.streamHeartbeatSeconds.spec,
        Key.Server.maxConnections.spec, Key.Server.maxStreamsPerClient.spec, Key.Server.idleTimeoutSeconds.spec,
        Key.Server.readTimeoutSeconds.spec, Key.Server.writeTimeoutSeconds.spec, Key.Server.maxConnectionsPerClient.spec,
        Key.Server.shutdownGraceSeconds.spec, Key.Server.compressLevel.spec, Key.Server.compressMinSize.spec,
        Key.Server.instanceName.spec, Key.Server.rateLimitApi.spec, Key.Server.allowedHosts.spec, Key.Server.allowedOrigins.spec, Key.Server.corsOrigins.spec,
        Key.Server.trustedProxies.spec,
        Key.Database.path.spec, Key.Database.url.spec, Key.Database.passwordFile.spec,
        Key.Ticker.intervalSeconds.spec, Key.Ticker.promptProfile.spec, Key.Ticker.promptsFile.spec,
        Key.Ticker.systemPrompt.spec, Key.Ticker.userPrompt.spec, Key.Ticker.fuzzyThreshold.spec, Key.Ticker.dedupeWindow.spec,
        Key.Ticker.retention.spec, Key.Ticker.statsRetentionDays.spec, Key.Ticker.maxMessageLength.spec, Key.Ticker.importFile.spec,
        Key.Ticker.tickDeadlineSeconds.spec, Key.Ticker.adminToken.spec, Key.Ticker.adminTokenFile.spec,
        Key.GlobalSettings.customPluginPaths.spec, Key.GlobalSettings.pluginTimeout.spec,
        Key.GlobalSettings.healthCheckInterval.spec, Key.GlobalSettings.python.spec, Key.GlobalSettings.pluginsEnabled.spec,
        Key.GlobalSettings.pluginDiscovery.spec, Key.GlobalSettings.autoLoadBuiltin.spec,
        Key.GlobalSettings.fallbackBehavior.spec, Key.GlobalSettings.circuitFailureThreshold.spec,
        Key.GlobalSettings.circuitCooldownSeconds.spec,
        Key.Logging.level.spec, Key.Logging.file.spec,
        Key.Guardrails.review.spec,
    ]

    /// Keys under `plugins.<id>.`.
    static let instance: [ConfigKeySpec] = [
        Key.Instance.plugin.spec, Key.Instance.enabled.spec, Key.Instance.priority.spec, Key.Instance.python.spec,
        Key.Instance.configName.spec, Key.Instance.configApiKey.spec, Key.Instance.configApiKeyFile.spec,
        Key.Instance.configBaseUrl.spec, Key.Instance.configBackend.spec, Key.Instance.configModel.spec,
        Key.Instance.configDefaultModel.spec, Key.Instance.configTimeout.spec, Key.Instance.configMaxTokens.spec,
        Key.Instance.configTemperature.spec, Key.Instance.configPriceInput.spec, Key.Instance.configPriceOutput.spec,
        Key.Instance.configDailyBudget.spec,
    ]

    /// Keys under `channels.<name>.`.
    static let channel: [ConfigKeySpec] = [
        Key.Channel.profile.spec, Key.Channel.systemPrompt.spec, Key.Channel.userPrompt.spec, Key.Channel.intervalSeconds.spec,
        Key.Channel.cron.spec, Key.Channel.timeZone.spec, Key.Channel.activeHours.spec, Key.Channel.days.spec,
        Key.Channel.providers.spec, Key.Channel.dedupeWindow.spec, Key.Channel.retention.spec, Key.Channel.maxMessageLength.spec,
        Key.Channel.review.spec, Key.Channel.guardrailRules.spec, Key.Channel.dailyBudget.spec,
    ]
}
