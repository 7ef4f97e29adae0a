import Configuration
import Foundation
import Logging
import TickerCore

extension ConfigResolver {
    /// Reads every global key, asks `plugins` for what the plugin settings offer, then reads the
    /// provider entries against it; nil only when nothing could be resolved.
    mutating func resolve<Plugins: PluginLookup>(file: ConfigFile, configPath: String,
                                                 plugins find: (PluginSettings) -> Plugins) -> (AppConfiguration, Plugins)? {
        let server = ServerConfiguration(host: value(Key.Server.host), port: value(Key.Server.port),
                                         maxStreamClients: value(Key.Server.maxStreamClients),
                                         streamHeartbeatSeconds: value(Key.Server.streamHeartbeatSeconds),
                                         maxStreamsPerClient: value(Key.Server.maxStreamsPerClient), maxConnections: value(Key.Server.maxConnections), idleTimeoutSeconds: value(Key.Server.idleTimeoutSeconds),
                                         readTimeoutSeconds: value(Key.Server.readTimeoutSeconds),
                                         writeTimeoutSeconds: value(Key.Server.writeTimeoutSeconds),
                                         maxConnectionsPerClient: value(Key.Server.maxConnectionsPerClient),
                                         shutdownGraceSeconds: value(Key.Server.shutdownGraceSeconds),
                                         instanceName: value(Key.Server.instanceName))
        let databasePath = value(Key.Database.path)
        let postgres = resolvePostgres()
        let routing = RoutingConfiguration(
            customPluginPaths: value(Key.GlobalSettings.customPluginPaths),
            pluginTimeout: value(Key.GlobalSettings.pluginTimeout),
            healthCheckInterval: value(Key.GlobalSettings.healthCheckInterval),
            fallback: FallbackBehavior(rawValue: value(Key.GlobalSettings.fallbackBehavior)) ?? .useCache,
            circuitFailureThreshold: value(Key.GlobalSettings.circuitFailureThreshold),
            circuitCooldownSeconds: value(Key.GlobalSettings.circuitCooldownSeconds)
        )
        let profile = value(Key.Ticker.promptProfile)
        var prompts = PromptLibrary(path: value(Key.Ticker.promptsFile), configPath: configPath)
        let ticker = resolveTicker(prompts: &prompts, profile: profile)
        let logLevel = Logger.Level(rawValue: value(Key.Logging.level)) ?? .info
        let logFile = value(Key.Logging.file)
        let adminToken = AdminToken.resolve(explicit: value(Key.Ticker.adminToken), file: value(Key.Ticker.adminTokenFile),
                                            variables: variables, databasePath: databasePath, forService: forService,
                                            errors: &issues)
        if adminToken.value != nil, !effective.contains(where: { $0.key == Key.Ticker.adminToken.name }) {
            record(Key.Ticker.adminToken.name, .string(""), secret: true, source: adminToken.origin ?? "")
        }
        var access = AccessConfiguration(listensOnLoopback: AccessConfiguration.isLoopback(server.host),
                                         allowedHosts: value(Key.Server.allowedHosts), allowedOrigins: value(Key.Server.allowedOrigins))
        for origin in value(Key.Server.corsOrigins) {
            if let reason = AccessConfiguration.originProblem(origin) {
                issues.append(.init(source: effective.last { $0.key == Key.Server.corsOrigins.name }?.source ?? configPath, key: Key.Server.corsOrigins.name,
                                    reason: reason))
            } else {
                access.corsOrigins.append(origin.lowercased())
            }
        }
        for entry in value(Key.Server.trustedProxies) {
            if let range = AddressRange(entry) {
                access.trustedProxies.append(range)
            } else {
                issues.append(.init(source: effective.last { $0.key == Key.Server.trustedProxies.name }?.source ?? configPath, key: Key.Server.trustedProxies.name,
                                    reason: "\"\(entry.prefix(60))\" is not an IP address or a CIDR block such as 10.0.0.0/8"))
            }
        }
        var pluginSettings = PluginSettings(
            builtinEnabled: value(Key.GlobalSettings.autoLoadBuiltin), customEnabled: value(Key.GlobalSettings.pluginsEnabled),
            paths: routing.customPluginPaths, discoverAll: value(Key.GlobalSettings.pluginDiscovery), named: [],
            python: value(Key.GlobalSettings.python), pythonByPlugin: [:],
            loadTimeout: Double(routing.pluginTimeout), environment: variables)
        for id in file.pluginIDs ?? [] {
            let plugin = instanceString(id, Key.Instance.plugin) ?? id
            if let python = instanceString(id, Key.Instance.python) { pluginSettings.pythonByPlugin[plugin] = python }
            pluginSettings.named.insert(plugin)
        }
        let plugins = find(pluginSettings)
        let ids = file.pluginIDs ?? ["offline"]
        let providers = ids.map { resolveProvider(id: $0, file: file, plugins: plugins, defaultTimeout: routing.pluginTimeout) }
        let guardrails = resolveGuardrails(file: file, source: configPath)
        warnGuardrailPluginsMissing(guardrails, plugins: pluginSettings, source: configPath)
        let channels = resolveChannels(file: file, ticker: ticker, providerIDs: ids, guardrails: guardrails, prompts: &prompts)
        let secrets = (providers.map(\.config.apiKey) + guardrails.rules.map { $0.moderation?.apiKey } + [adminToken.value, postgres?.password]).compactMap { $0 }
        var configuration = AppConfiguration(
            server: server, databasePath: databasePath, postgres: postgres, ticker: ticker, channels: channels, routing: routing, logLevel: logLevel,
            adminToken: adminToken, providers: providers, plugins: pluginSettings,
            effective: effective, configFile: configPath, logFile: logFile, importFile: value(Key.Ticker.importFile),
            compression: CompressionConfiguration(level: value(Key.Server.compressLevel), minimumSize: value(Key.Server.compressMinSize)),
            rateLimit: value(Key.Server.rateLimitApi).flatMap(RateLimit.init), access: access, guardrails: guardrails
        )
        configuration.redactor = SecretRedactor(secrets: secrets)
        return (configuration, plugins)
    }

    /// `database.url` with its password from the URL, `database.password_file` or the systemd
    /// credential `database_password`, in that order.
    private mutating func resolvePostgres() -> PostgresSettings? {
        guard let url = value(Key.Database.url), !url.isEmpty else { return nil }
        var settings: PostgresSettings
        do {
            guard let parsed = try PostgresSettings.parse(url) else { return nil }
            settings = parsed
        } catch {
            return nil  // the key's format check has reported it
        }
        guard settings.password == nil else { return settings }
        var reasons: [String] = []
        if let file = value(Key.Database.passwordFile) {
            settings.password = readKeyFile(file, key: Key.Database.passwordFile.name, source: Key.Database.passwordFile.name, reasons: &reasons)
        } else if let directory = variables["CREDENTIALS_DIRECTORY"], FileManager.default.fileExists(atPath: "\(directory)/database_password") {
            settings.password = readKeyFile("\(directory)/database_password", key: Key.Database.passwordFile.name, source: "systemd credential", reasons: &reasons)
        }
        for reason in reasons { issues.append(.init(source: Key.Database.passwordFile.name, key: Key.Database.passwordFile.name, reason: reason)) }
        return settings
    }

    private mutating func resolveTicker(prompts: inout PromptLibrary, profile: String) -> TickerConfiguration {
        let systemOverride = value(Key.Ticker.systemPrompt)
        let userOverride = value(Key.Ticker.userPrompt)
        var prompt = PromptSet.Prompt(system: systemOverride ?? "", user: userOverride ?? "")
        if systemOverride == nil || userOverride == nil, let found = prompts.profile(profile, key: Key.Ticker.promptProfile.name, issues: &issues) {
            prompt = PromptSet.Prompt(system: systemOverride ?? found.system, user: userOverride ?? found.user)
        }
        return TickerConfiguration(
            intervalSeconds: value(Key.Ticker.intervalSeconds), profile: profile,
            systemPrompt: prompt.system, userPrompt: prompt.user,
            fuzzyThreshold: value(Key.Ticker.fuzzyThreshold), dedupeWindow: value(Key.Ticker.dedupeWindow),
            retention: value(Key.Ticker.retention), tickDeadlineSeconds: value(Key.Ticker.tickDeadlineSeconds),
            maxMessageLength: value(Key.Ticker.maxMessageLength), statsRetentionDays: value(Key.Ticker.statsRetentionDays)
        )
    }

    private mutating func instance<Value>(_ id: String, _ key: ConfigKey<Value>, fallback: ConfigContent? = nil,
                                          fallbackSource: String = "default") -> ConfigContent? {
        read("plugins.\(id).\(key.name)", key.spec, fallback: fallback, fallbackSource: fallbackSource)
    }

    private mutating func instanceString(_ id: String, _ name: ConfigKey<String?>) -> String? {
        if case .string(let value) = instance(id, name) { return value }
        return nil
    }

    private mutating func resolveProvider(id: String, file: ConfigFile, plugins: some PluginLookup, defaultTimeout: Int) -> ProviderEntry {
        let named = instanceString(id, Key.Instance.plugin)
        let plugin = plugins.plugin(entry: id, named: named)
        let pluginName = plugin?.name ?? named ?? id
        var reasons: [String] = []
        if plugin == nil { reasons.append(plugins.missing(pluginName)) }
        var config = ProviderConfig(name: id)
        var enabled = true
        if case .bool(let value) = instance(id, Key.Instance.enabled) { enabled = value }
        var priority = 100
        if case .int(let value) = instance(id, Key.Instance.priority) { priority = value }
        config.apiKey = resolveAPIKey(id: id, keyVariables: plugin?.apiKeyVariables ?? [], reasons: &reasons)
        var missing: [String] = []
        if let baseURL = instanceString(id, Key.Instance.configBaseUrl) { config.baseURL = interpolate(baseURL, missing: &missing) }
        let baseURLVariable = "\(ConfigSchema.environmentName(for: pluginName))_BASE_URL"
        if let override = variables[baseURLVariable], !override.isEmpty {
            config.baseURL = override
            record("plugins.\(id).config.base_url", .string(override), secret: false, source: "environment (\(baseURLVariable))")
        }
        if let model = instanceString(id, Key.Instance.configModel) ?? instanceString(id, Key.Instance.configDefaultModel) {
            config.model = interpolate(model, missing: &missing)
        }
        config.displayName = instanceString(id, Key.Instance.configName)
        if case .double(let timeout) = instance(id, Key.Instance.configTimeout, fallback: .double(Double(defaultTimeout)), fallbackSource: Key.GlobalSettings.pluginTimeout.name) {
            config.timeout = timeout
        }
        if case .int(let tokens) = instance(id, Key.Instance.configMaxTokens) { config.maxTokens = tokens }
        if case .double(let temperature) = instance(id, Key.Instance.configTemperature) { config.temperature = temperature }
        config.extraParams = file.object(plugin: id, field: "extra_params") ?? [:]
        config.options = file.object(plugin: id, field: "options") ?? [:]
        config.backend = instanceString(id, Key.Instance.configBackend)
        for (name, value) in file.object(plugin: id, field: "extra_headers") ?? [:] {
            if let text = value.stringValue { config.extraHeaders[name] = interpolate(text, missing: &missing) }
        }
        reasons += missing.map { "variable not set: \($0)" }
        var entry = ProviderEntry(id: id, plugin: pluginName, enabled: enabled, priority: priority, config: config,
                                  unavailableReason: reasons.isEmpty ? nil : reasons.joined(separator: "; "))
        let input = instance(id, Key.Instance.configPriceInput)?.doubleValue, output = instance(id, Key.Instance.configPriceOutput)?.doubleValue
        if input != nil || output != nil { entry.pricing = Pricing(inputPerMillion: input ?? 0, outputPerMillion: output ?? 0) }
        entry.dailyBudget = instance(id, Key.Instance.configDailyBudget)?.doubleValue
        return entry
    }

    /// Explicit `api_key` (with `${VAR}`), then `api_key_file`, then a systemd credential
    /// `<id>_api_key`, then the plugin's conventional variable.
    private mutating func resolveAPIKey(id: String, keyVariables: [String], reasons: inout [String]) -> String? {
        let key = "plugins.\(id).config.api_key"
        if let raw = instanceString(id, Key.Instance.configApiKey) {
            var missing: [String] = []
            let value = interpolate(raw, missing: &missing)
            if !missing.isEmpty { reasons.append("api_key not set: \(missing.joined(separator: ", "))") }
            if ConfigSchema.isPlaceholder(value) {
                reasons.append("api_key is a placeholder (\"your-…\"), not a key: set the real one")
                return nil
            }
            return value.isEmpty ? nil : value
        }
        if let path = instanceString(id, Key.Instance.configApiKeyFile) {
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
