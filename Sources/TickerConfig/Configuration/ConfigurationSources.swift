import Foundation
import TickerCore

/// Where configuration comes from. The CLI fills this in from its options; tests build their own.
public struct ConfigurationSources: Sendable {
    /// `--config`; nil means `PLUGIN_CONFIG_FILE` or `plugin_config.json`, which may be absent.
    public var configFile: String?
    /// `--env-file`; nil means `.env`, which may be absent.
    public var envFile: String?
    /// The process environment.
    public var environment: [String: String]
    /// The file read when neither `--config` nor `PLUGIN_CONFIG_FILE` names one; may be absent.
    public var defaultConfigFile = "plugin_config.json"
    /// Values from command-line options such as `--port` (`server.port`), above the environment.
    public var commandLine: [String: JSONValue]

    public init(
        configFile: String? = nil, envFile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        commandLine: [String: JSONValue] = [:]
    ) {
        self.configFile = configFile
        self.envFile = envFile
        self.environment = environment
        self.commandLine = commandLine
    }
}
