import Foundation
import Logging

/// What a reload did: the new providers and what changed.
public struct ReloadReport: Sendable {
    public var providers: [ProviderStatus]
    public var diff: ProviderDiff
    public var dryRun: Bool
}

/// Applies configuration changes to the running service: a reload from file, environment and
/// `.env` (SIGHUP, `POST /api/providers/reload`), and runtime overrides. The new configuration is
/// loaded and validated whole first (an invalid one is rejected and the running one stays), then
/// handed to the router, the live configuration, the log level, the timer and systemd.
public actor ReloadCoordinator {
    private let loader: ConfigurationLoader
    private let store: any MessageStore
    private let live: LiveConfiguration
    private let router: ProviderRouter
    private let tickSource: any TickSource
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let levels: LogLevelControl

    init(loader: ConfigurationLoader, store: any MessageStore, live: LiveConfiguration, router: ProviderRouter,
         tickSource: any TickSource, notifier: SystemdNotifier, logger: Logger, levels: LogLevelControl) {
        self.levels = levels
        self.notifier = notifier
        self.loader = loader
        self.store = store
        self.live = live
        self.router = router
        self.tickSource = tickSource
        self.logger = logger
    }

    /// Re-reads every layer and rebuilds providers; with `dryRun` only validates.
    public func reload(dryRun: Bool = false) async throws -> ReloadReport {
        if !dryRun { notifier.reloading() }
        do {
            let overrides = try await store.overrides()
            let (configuration, plugins) = try loader.loadWithPlugins(overrides: overrides)
            if !dryRun { ConfigurationIssue.log(configuration.warnings, logger: logger) }
            let report = try await apply(configuration, plugins: plugins, dryRun: dryRun)
            if !dryRun { notifier.ready(status: "configuration reloaded: \(report.providers.count) providers") }
            return report
        } catch {
            if !dryRun { notifier.ready(status: "reload rejected; the running configuration stays") }
            throw error
        }
    }

    /// Sets (non-nil) or removes (nil) runtime overrides after validating the result as a whole;
    /// persists them only when the new configuration is valid.
    public func setOverrides(_ changes: [String: JSONValue?]) async throws -> ReloadReport {
        var issues: [ConfigurationIssue] = []
        for (key, value) in changes where value != nil {  // removing an override is always allowed
            guard let spec = ConfigSchema.spec(for: key) else {
                issues.append(.init(source: "runtime override", key: key, reason: "unknown key"))
                continue
            }
            if spec.secret {
                issues.append(.init(source: "runtime override", key: key, reason: "secrets are not stored at runtime; use the environment, .env or a credential file"))
            } else if !spec.runtime {
                issues.append(.init(source: "runtime override", key: key, reason: "not settable at runtime: \(ConfigSchema.runtimeRule)"))
            } else if let value, LayeredConfig.content(value, as: spec.type) == nil {
                issues.append(.init(source: "runtime override", key: key, reason: "expected \(LayeredConfig.describe(spec.type))"))
            }
        }
        if key(in: changes.filter { $0.value != nil }, startsWithUnknownPlugin: live.value) { issues.append(.init(source: "runtime override", key: "plugins", reason: "no such provider instance")) }
        if !issues.isEmpty { throw ConfigurationError(issues) }
        var overrides = try await store.overrides()
        for (key, value) in changes { overrides[key] = value }
        let (configuration, plugins) = try loader.loadWithPlugins(overrides: overrides)
        try await store.setOverrides(changes)
        return try await apply(configuration, plugins: plugins, dryRun: false)
    }

    /// The stored runtime overrides.
    public func overrides() async throws -> [String: JSONValue] {
        try await store.overrides()
    }

    private func key(in changes: [String: JSONValue?], startsWithUnknownPlugin configuration: AppConfiguration) -> Bool {
        changes.keys.contains { key in
            let parts = key.split(separator: ".", maxSplits: 2)
            return parts.count == 3 && parts[0] == "plugins" && !configuration.providers.contains { $0.id == parts[1] }
        }
    }

    private func apply(_ configuration: AppConfiguration, plugins: PluginCatalog, dryRun: Bool) async throws -> ReloadReport {
        if dryRun {
            return ReloadReport(providers: await router.statuses(), diff: ProviderDiff(), dryRun: true)
        }
        let previous = live.value
        let diff = await router.replace(with: configuration.providers, routing: configuration.routing, registry: plugins.registry, redactor: configuration.redactor)
        live.replace(with: configuration, plugins: plugins)
        levels.level = configuration.logLevel
        if previous.adminToken.value != configuration.adminToken.value {
            logger.notice("admin token changed: routes now need the one from \(configuration.adminToken.origin ?? "nowhere: admin routes are off")")
        }
        if previous.ticker.intervalSeconds != configuration.ticker.intervalSeconds {
            tickSource.reschedule(interval: Double(configuration.ticker.intervalSeconds))
        }
        logger.info("configuration applied", metadata: [
            "added": "\(diff.added)", "removed": "\(diff.removed)", "changed": "\(diff.changed)",
        ])
        return ReloadReport(providers: await router.statuses(), diff: diff, dryRun: false)
    }
}
