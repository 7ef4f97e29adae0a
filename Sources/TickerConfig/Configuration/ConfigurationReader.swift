import Configuration
import Foundation
import Logging
import TickerCore

/// Reads the configuration layers (README, Configuration) into an `AppConfiguration`,
/// collecting every problem it finds. What plugins are on offer is the caller's to say
/// (`ConfigurationLoader` in TickerProviders finds them).
public struct ConfigurationReader: Sendable {
    public var sources: ConfigurationSources
    /// The service creates the admin token file when no token is configured; the CLI only reads it.
    public var createsAdminToken = false

    public init(sources: ConfigurationSources) {
        self.sources = sources
    }

    /// The configuration the layers give with `overrides` as the runtime layer, and the plugins
    /// `plugins` found for it.
    public func read<Plugins: PluginLookup>(overrides: [String: JSONValue],
                                            plugins find: (PluginSettings) -> Plugins) throws(ConfigurationError) -> (configuration: AppConfiguration, plugins: Plugins) {
        var issues: [ConfigurationIssue] = []
        let dotenvPath = sources.envFile ?? ".env"
        var dotenv: [String: String] = [:]
        do {
            dotenv = try readDotEnv(path: dotenvPath, required: sources.envFile != nil)
        } catch {
            issues += error.issues
        }
        // An empty value means unset, as in the original's `.env.example` (`SYSTEM_PROMPT=`).
        dotenv = dotenv.filter { !$0.value.isEmpty }
        let environment = sources.environment.filter { !$0.value.isEmpty }
        let variables = dotenv.merging(environment) { _, process in process }
        let configPath = sources.configFile ?? variables["PLUGIN_CONFIG_FILE"] ?? sources.defaultConfigFile
        let file = ConfigFile.read(path: configPath, required: sources.configFile != nil || variables["PLUGIN_CONFIG_FILE"] != nil)
        issues += file.issues

        // A stored override the rule no longer allows (stored by an older version) is skipped
        // with a warning rather than blocking the start.
        var ignored: [ConfigurationIssue] = []
        let allowed = overrides.filter { key, value in
            guard let problem = ConfigSchema.overrideProblem(key: key, value: value) else { return true }
            ignored.append(.init(source: "runtime override", key: key, reason: "ignored: \(problem); `ai-ticker config reset` removes it"))
            return false
        }
        var layers = [ConfigLayer]()
        layers.append(overrideLayer(allowed, name: "runtime", origin: "runtime override", issues: &issues))
        layers.append(overrideLayer(sources.commandLine, name: "command line", origin: "command line", issues: &issues))
        layers.append(environmentLayer(environment, name: "environment", origin: "environment", all: variables))
        layers.append(environmentLayer(dotenv, name: ".env", origin: dotenvPath, all: variables))
        if let snapshot = file.snapshot {
            layers.append(ConfigLayer(name: "file", origin: configPath, snapshot: snapshot, usesEnvironmentNames: false))
        }
        layers.append(defaultsLayer())

        var resolver = ConfigResolver(layers: LayeredConfig(layers: layers), variables: variables, issues: issues)
        resolver.forService = createsAdminToken
        let resolved = resolver.resolve(file: file, configPath: configPath, plugins: find)
        guard let resolved else { throw ConfigurationError(resolver.issues) }
        var configuration = resolved.0
        let plugins = resolved.1
        let problems = resolver.issues + plugins.problems(configuration.providers)
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        if createsAdminToken, configuration.adminToken.origin == nil {
            do {
                configuration.adminToken.value = try AdminToken.create(at: configuration.adminToken.generatedPath)
                configuration.adminToken.origin = "\(configuration.adminToken.generatedPath) (created now)"
                configuration.adminToken.file = configuration.adminToken.generatedPath
                configuration.redactor = configuration.redactor.adding(configuration.adminToken.value!)
                configuration.effective.append(EffectiveSetting(key: Key.Ticker.adminToken.name, value: .string("***"), source: configuration.adminToken.generatedPath))
            } catch {
                resolver.warnings.append(.init(source: configuration.adminToken.generatedPath, key: Key.Ticker.adminToken.name,
                                               reason: "admin routes are off: \(error); set TICKER_ADMIN_TOKEN or ticker.admin_token_file"))
            }
        }
        // One the file no longer backs (its channel or provider entry was taken out) waits unused.
        let unused = allowed.keys.sorted().compactMap { key in
            configuration.missingEntry(for: key).map {
                ConfigurationIssue(source: "runtime override", key: key, reason: "not used: \($0); `ai-ticker config unset \(key)` removes it")
            }
        }
        configuration.warnings = file.warnings + ignored + unused + resolver.warnings + ConfigSchema.notApplicable.compactMap { name, reason in
            guard variables[name] != nil else { return nil }
            return ConfigurationIssue(source: environment[name] != nil ? "environment" : dotenvPath, key: name, reason: "not applicable: \(reason)")
        }
        return (configuration, plugins)
    }

    private func readDotEnv(path: String, required: Bool) throws(ConfigurationError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw ConfigurationError([.init(source: path, reason: "file not found")]) }
            return [:]
        }
        return try DotEnvFile.parse(String(decoding: data, as: UTF8.self), source: path)
    }

    private func overrideLayer(_ values: [String: JSONValue], name: String, origin: String, issues: inout [ConfigurationIssue]) -> ConfigLayer {
        var contents: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, value) in values {
            guard let spec = ConfigSchema.spec(for: key) else {
                issues.append(.init(source: origin, key: key, reason: "unknown key"))
                continue
            }
            guard let content = LayeredConfig.content(value, as: spec.type) else {
                issues.append(.init(source: origin, key: key, reason: "expected \(LayeredConfig.describe(spec.type))"))
                continue
            }
            contents[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: spec.secret)
        }
        return ConfigLayer(name: name, origin: origin, snapshot: InMemoryProvider(name: name, values: contents).snapshot(), usesEnvironmentNames: false)
    }

    /// The original AI-Ticker's variable names count when the new name is set in neither layer.
    private func environmentLayer(_ variables: [String: String], name: String, origin: String, all: [String: String]) -> ConfigLayer {
        var variables = variables
        var aliases: [String: String] = [:]
        for (legacy, modern) in ConfigSchema.legacyEnvironmentNames where all[modern] == nil && aliases[modern] == nil {
            if let value = variables[legacy] {
                variables[modern] = value
                aliases[modern] = legacy
            }
        }
        let provider = EnvironmentVariablesProvider(environmentVariables: variables, secretsSpecifier: .dynamic { key, _ in key.hasSuffix("_KEY") || key.hasSuffix("_TOKEN") })
        return ConfigLayer(name: name, origin: origin, snapshot: provider.snapshot(), usesEnvironmentNames: true, aliases: aliases)
    }

    private func defaultsLayer() -> ConfigLayer {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for spec in ConfigSchema.global {
            if let content = spec.defaultValue {
                values[AbsoluteConfigKey(spec.key.split(separator: ".").map(String.init))] = ConfigValue(content, isSecret: false)
            }
        }
        return ConfigLayer(name: "default", origin: "defaults", snapshot: InMemoryProvider(name: "defaults", values: values).snapshot(), usesEnvironmentNames: false)
    }
}
