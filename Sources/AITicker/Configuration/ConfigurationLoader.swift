import Configuration
import Foundation
import Logging

/// Builds an `AppConfiguration` from the layers of SPEC §3, collecting every problem it finds.
public struct ConfigurationLoader: Sendable {
    public var sources: ConfigurationSources
    public var registry: PluginRegistry

    public init(sources: ConfigurationSources, registry: PluginRegistry) {
        self.sources = sources
        self.registry = registry
    }

    /// Reads every layer now; `overrides` is the runtime layer (persisted in SQLite).
    public func load(overrides: [String: JSONValue] = [:]) throws(ConfigurationError) -> AppConfiguration {
        var issues: [ConfigurationIssue] = []
        let dotenvPath = sources.envFile ?? ".env"
        var dotenv: [String: String] = [:]
        do {
            dotenv = try readDotEnv(path: dotenvPath, required: sources.envFile != nil)
        } catch {
            issues += error.issues
        }
        let variables = dotenv.merging(sources.environment) { _, process in process }
        let configPath = sources.configFile ?? variables["PLUGIN_CONFIG_FILE"] ?? sources.defaultConfigFile
        let file = ConfigFile.read(path: configPath, required: sources.configFile != nil || variables["PLUGIN_CONFIG_FILE"] != nil)
        issues += file.issues

        var layers = [ConfigLayer]()
        layers.append(overrideLayer(overrides, name: "runtime", origin: "runtime override", issues: &issues))
        layers.append(overrideLayer(sources.commandLine, name: "command line", origin: "command line", issues: &issues))
        layers.append(environmentLayer(sources.environment, name: "environment", origin: "environment"))
        layers.append(environmentLayer(dotenv, name: ".env", origin: dotenvPath))
        if let snapshot = file.snapshot {
            layers.append(ConfigLayer(name: "file", origin: configPath, snapshot: snapshot, usesEnvironmentNames: false))
        }
        layers.append(defaultsLayer())

        var resolver = ConfigResolver(layers: LayeredConfig(layers: layers), variables: variables, issues: issues)
        let configuration = resolver.resolve(file: file, configPath: configPath, registry: registry)
        if !resolver.issues.isEmpty { throw ConfigurationError(resolver.issues) }
        return configuration!
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

    /// The original AI-Ticker's variable names count when the new name is not set.
    private func environmentLayer(_ variables: [String: String], name: String, origin: String) -> ConfigLayer {
        var variables = variables
        for (legacy, modern) in ConfigSchema.legacyEnvironmentNames where variables[modern] == nil {
            if let value = variables[legacy] { variables[modern] = value }
        }
        let provider = EnvironmentVariablesProvider(environmentVariables: variables, secretsSpecifier: .dynamic { key, _ in key.hasSuffix("_KEY") || key.hasSuffix("_TOKEN") })
        return ConfigLayer(name: name, origin: origin, snapshot: provider.snapshot(), usesEnvironmentNames: true)
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
