import Foundation
import Logging
import TickerConfig
import TickerCore

/// `ai-ticker plugins validate DIR`: the manifest's problems, then — when it is valid — a real
/// handshake with the process (`initialize`, `health_check`, `shutdown`).
public enum PluginCheck {
    /// Every problem found; empty means the plugin is valid and answered.
    public static func validate(directory: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                timeout: Double = 10) async -> (name: String?, problems: [String]) {
        let url = URL(fileURLWithPath: directory)
        guard let data = FileManager.default.contents(atPath: url.appendingPathComponent("plugin.json").path) else {
            return (nil, ["plugin.json: not found in \(directory)"])
        }
        let (manifest, errors) = PluginManifest.parse(data, directory: url, environment: environment)
        guard let manifest else { return (nil, errors) }
        var logger = Logger(label: "ai-ticker.plugins")
        logger.logLevel = .error
        let plugin = ExternalPlugin(manifest: manifest, directory: url)
        let provider = ExternalProvider(launch: plugin.launch, config: ProviderConfig(name: manifest.metadata.name, timeout: timeout), logger: logger)
        do {
            try await withTimeout(seconds: timeout) { try await provider.initialize() }
        } catch {
            await provider.shutdown()
            return (manifest.metadata.name, ["initialize: \(ProviderError.message(of: error))"])
        }
        let health = (try? await withTimeout(seconds: timeout) { await provider.healthCheck() })
            ?? HealthCheckResult(healthy: false, detail: "no answer within \(Int(timeout)) s")
        await provider.shutdown()
        return (manifest.metadata.name, health.healthy ? [] : ["health_check: \(health.detail ?? "reported unhealthy")"])
    }
}
