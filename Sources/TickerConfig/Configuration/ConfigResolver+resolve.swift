import Configuration
import Foundation
import Logging
import TickerCore

extension ConfigResolver {
    /// Reads every global key, asks `plugins` for what the plugin settings offer, then reads the
    /// provider entries against it; nil only when nothing could be resolved.
    mutating func resolve<Plugins: PluginLookup>(file: ConfigFile, configPath: String,
                                                 plugins find: (PluginSettings) -> Plugins) -> (AppConfiguration, Plugins)? {
        let server = ServerConfiguration(host: string("server.host") ?? "127.0.0.1", port: int("server.port"),
                                         maxStreamClients: int("server.max_stream_clients"),
                                         streamHeartbeatSeconds: int("server.stream_heartbeat_seconds"),
                                         maxStreamsPerClient: int("server.max_streams_per_client"), maxConnections: int("server.max_connections"), idleTimeoutSeconds: int("server.idle_timeout_seconds"),
                                         readTimeoutSeconds: int("server.read_timeout_seconds"),
                                         writeTimeoutSeconds: int("server.write_timeout_seconds"),
                                         maxConnectionsPerClient: int("server.max_connections_per_client"),
                                         shutdownGraceSeconds: int("server.shutdown_grace_seconds"),
                                         instanceName: string("server.instance_name"))
        let databasePath = string("database.path") ?? "ticker.sqlite"
        let postgres = resolvePostgres()
        let routing = RoutingConfiguration(
            customPluginPaths: strings("global_settings.custom_plugin_paths"),
            pluginTimeout: int("global_settings.plugin_timeout"),
            healthCheckInterval: int("global_settings.health_check_interval"),
            fallback: FallbackBehavior(rawValue: string("global_settings.fallback_behavior") ?? "") ?? .useCache,
            circuitFailureThreshold: int("global_settings.circuit_failure_threshold"),
            circuitCooldownSeconds: int("global_settings.circuit_cooldown_seconds")
        )
        let ticker = resolveTicker()
        let logLevel = Logger.Level(rawValue: string("logging.level") ?? "info") ?? .info
        let logFile = string("logging.file")
        let adminToken = AdminToken.resolve(explicit: string("ticker.admin_token"), file: string("ticker.admin_token_file"),
                                            variables: variables, databasePath: databasePath, forService: forService,
                                            errors: &issues)
        if adminToken.value != nil, !effective.contains(where: { $0.key == "ticker.admin_token" }) {
            record("ticker.admin_token", .string(""), secret: true, source: adminToken.origin ?? "")
        }
        var access = AccessConfiguration(listensOnLoopback: AccessConfiguration.isLoopback(server.host),
                                         allowedHosts: strings("server.allowed_hosts"), allowedOrigins: strings("server.allowed_origins"))
        for entry in strings("server.trusted_proxies") {
            if let range = AddressRange(entry) {
                access.trustedProxies.append(range)
            } else {
                issues.append(.init(source: effective.last { $0.key == "server.trusted_proxies" }?.source ?? configPath, key: "server.trusted_proxies",
                                    reason: "\"\(entry.prefix(60))\" is not an IP address or a CIDR block such as 10.0.0.0/8"))
            }
        }
        var pluginSettings = PluginSettings(
            builtinEnabled: bool("global_settings.auto_load_builtin"), customEnabled: bool("global_settings.plugins_enabled"),
            paths: routing.customPluginPaths, discoverAll: bool("global_settings.plugin_discovery"), named: [],
            python: string("global_settings.python") ?? "python3", pythonByPlugin: [:],
            loadTimeout: Double(routing.pluginTimeout), environment: variables)
        for id in file.pluginIDs ?? [] {
            let plugin = instanceString(id, "plugin") ?? id
            if let python = instanceString(id, "python") { pluginSettings.pythonByPlugin[plugin] = python }
            pluginSettings.named.insert(plugin)
        }
        let plugins = find(pluginSettings)
        let ids = file.pluginIDs ?? ["offline"]
        let providers = ids.map { resolveProvider(id: $0, file: file, plugins: plugins, defaultTimeout: routing.pluginTimeout) }
        guard let ticker else { return nil }
        let secrets = (providers.map(\.config.apiKey) + [adminToken.value, postgres?.password]).compactMap { $0 }
        var configuration = AppConfiguration(
            server: server, databasePath: databasePath, postgres: postgres, ticker: ticker, routing: routing, logLevel: logLevel,
            adminToken: adminToken, providers: providers, plugins: pluginSettings,
            effective: effective, configFile: configPath, logFile: logFile, importFile: string("ticker.import_file"),
            compression: CompressionConfiguration(level: int("server.compress_level"), minimumSize: int("server.compress_min_size")),
            rateLimit: string("server.rate_limit_api").flatMap(RateLimit.init), access: access
        )
        configuration.redactor = SecretRedactor(secrets: secrets)
        return (configuration, plugins)
    }

    /// `database.url` with its password from the URL, `database.password_file` or the systemd
    /// credential `database_password`, in that order.
    private mutating func resolvePostgres() -> PostgresSettings? {
        guard let url = string("database.url"), !url.isEmpty else { return nil }
        var settings: PostgresSettings
        do {
            guard let parsed = try PostgresSettings.parse(url) else { return nil }
            settings = parsed
        } catch {
            return nil  // the key's format check has reported it
        }
        guard settings.password == nil else { return settings }
        var reasons: [String] = []
        if let file = string("database.password_file") {
            settings.password = readKeyFile(file, key: "database.password_file", source: "database.password_file", reasons: &reasons)
        } else if let directory = variables["CREDENTIALS_DIRECTORY"], FileManager.default.fileExists(atPath: "\(directory)/database_password") {
            settings.password = readKeyFile("\(directory)/database_password", key: "database.password_file", source: "systemd credential", reasons: &reasons)
        }
        for reason in reasons { issues.append(.init(source: "database.password_file", key: "database.password_file", reason: reason)) }
        return settings
    }

    private mutating func resolveTicker() -> TickerConfiguration? {
        let profile = string("ticker.prompt_profile") ?? "default"
        let promptsPath = string("ticker.prompts_file") ?? "prompts.json"
        let systemOverride = string("ticker.system_prompt")
        let userOverride = string("ticker.user_prompt")
        var prompt = PromptSet.Prompt(system: systemOverride ?? "", user: userOverride ?? "")
        if systemOverride == nil || userOverride == nil {
            do {
                let prompts = try PromptSet.load(path: promptsPath)
                if let found = prompts.profiles[profile] {
                    prompt = PromptSet.Prompt(system: systemOverride ?? found.system, user: userOverride ?? found.user)
                } else {
                    issues.append(.init(source: promptsPath, key: "ticker.prompt_profile",
                                        reason: "profile \"\(profile)\" not found; available: \(prompts.profiles.keys.sorted().joined(separator: ", "))"))
                }
            } catch {
                issues.append(error)
            }
        }
        return TickerConfiguration(
            intervalSeconds: int("ticker.interval_seconds"), profile: profile,
            systemPrompt: prompt.system, userPrompt: prompt.user,
            fuzzyThreshold: int("ticker.fuzzy_threshold"), dedupeWindow: int("ticker.dedupe_window"),
            retention: int("ticker.retention"), tickDeadlineSeconds: int("ticker.tick_deadline_seconds"),
            maxMessageLength: int("ticker.max_message_length")
        )
    }

    private mutating func instance(_ id: String, _ name: String, fallback: ConfigContent? = nil, fallbackSource: String = "default") -> ConfigContent? {
        read("plugins.\(id).\(name)", ConfigSchema.instance.first { $0.key == name }!, fallback: fallback, fallbackSource: fallbackSource)
    }

    private mutating func instanceString(_ id: String, _ name: String) -> String? {
        if case .string(let value) = instance(id, name) { return value }
        return nil
    }

    private mutating func resolveProvider(id: String, file: ConfigFile, plugins: some PluginLookup, defaultTimeout: Int) -> ProviderEntry {
        let named = instanceString(id, "plugin")
        let plugin = plugins.plugin(entry: id, named: named)
        let pluginName = plugin?.name ?? named ?? id
        var reasons: [String] = []
        if plugin == nil { reasons.append(plugins.missing(pluginName)) }
        var config = ProviderConfig(name: id)
        var enabled = true
        if case .bool(let value) = instance(id, "enabled") { enabled = value }
        var priority = 100
        if case .int(let value) = instance(id, "priority") { priority = value }
        config.apiKey = resolveAPIKey(id: id, keyVariables: plugin?.apiKeyVariables ?? [], reasons: &reasons)
        var missing: [String] = []
        if let baseURL = instanceString(id, "config.base_url") { config.baseURL = interpolate(baseURL, missing: &missing) }
        let baseURLVariable = "\(ConfigSchema.environmentName(for: pluginName))_BASE_URL"
        if let override = variables[baseURLVariable], !override.isEmpty {
            config.baseURL = override
            record("plugins.\(id).config.base_url", .string(override), secret: false, source: "environment (\(baseURLVariable))")
        }
        if let model = instanceString(id, "config.model") ?? instanceString(id, "config.default_model") {
            config.model = interpolate(model, missing: &missing)
        }
        config.displayName = instanceString(id, "config.name")
        if case .double(let timeout) = instance(id, "config.timeout", fallback: .double(Double(defaultTimeout)), fallbackSource: "global_settings.plugin_timeout") {
            config.timeout = timeout
        }
        if case .int(let tokens) = instance(id, "config.max_tokens") { config.maxTokens = tokens }
        if case .double(let temperature) = instance(id, "config.temperature") { config.temperature = temperature }
        config.extraParams = file.object(plugin: id, field: "extra_params") ?? [:]
        config.options = file.object(plugin: id, field: "options") ?? [:]
        config.backend = instanceString(id, "config.backend")
        for (name, value) in file.object(plugin: id, field: "extra_headers") ?? [:] {
            if let text = value.stringValue { config.extraHeaders[name] = interpolate(text, missing: &missing) }
        }
        reasons += missing.map { "variable not set: \($0)" }
        return ProviderEntry(id: id, plugin: pluginName, enabled: enabled, priority: priority, config: config,
                             unavailableReason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
    }

    /// Explicit `api_key` (with `${VAR}`), then `api_key_file`, then a systemd credential
    /// `<id>_api_key`, then the plugin's conventional variable.
    private mutating func resolveAPIKey(id: String, keyVariables: [String], reasons: inout [String]) -> String? {
        let key = "plugins.\(id).config.api_key"
        if let raw = instanceString(id, "config.api_key") {
            var missing: [String] = []
            let value = interpolate(raw, missing: &missing)
            if !missing.isEmpty { reasons.append("api_key not set: \(missing.joined(separator: ", "))") }
            if ConfigSchema.isPlaceholder(value) {
                reasons.append("api_key is a placeholder (\"your-…\"), not a key: set the real one")
                return nil
            }
            return value.isEmpty ? nil : value
        }
        if let path = instanceString(id, "config.api_key_file") {
            return readKeyFile(path, key: key, source: "api_key_file", reasons: &reasons)
        }
        if let directory = variables["CREDENTIALS_DIRECTORY"], FileManager.default.fileExists(atPath: "\(directory)/\(id)_api_key") {
            return readKeyFile("\(directory)/\(id)_api_key", key: key, source: "systemd credential", reasons: &reasons)
        }
        guard !keyVariables.isEmpty else { return nil }
        for name in keyVariables {
            if let value = variables[name], !value.isEmpty, !ConfigSchema.isPlaceholder(value) {
                record(key, .string(""), secret: true, source: "environment (\(name))")
                return value
            }
        }
        let placeholders = keyVariables.filter { variables[$0].map(ConfigSchema.isPlaceholder) ?? false }
        if placeholders.isEmpty {
            reasons.append("api_key not set: \(keyVariables.joined(separator: " or "))")
        } else {
            reasons.append("api_key not set: \(placeholders.joined(separator: ", ")) holds a placeholder (\"your-…\"), not a key")
        }
        return nil
    }

    /// A key file holds the key on one line; anything else makes the provider unavailable with a
    /// reason that quotes nothing of the file.
    private mutating func readKeyFile(_ path: String, key: String, source: String, reasons: inout [String]) -> String? {
        do {
            let value = try SecretFile.read(path)
            record(key, .string(""), secret: true, source: source)
            return value
        } catch {
            reasons.append("api key not read: \(error)")
            return nil
        }
    }
}
