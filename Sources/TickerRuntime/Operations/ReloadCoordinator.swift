import Foundation
import Logging
import TickerConfig
import TickerCore
import TickerProviders
import TickerStorage

/// What a reload did: the new providers and what changed.
public struct ReloadReport: Sendable {
    public var providers: [ProviderStatus]
    public var diff: ProviderDiff
    public var dryRun: Bool
    /// The same four lists for the channels.
    public var channels = ProviderDiff()
}

/// Applies configuration changes to the running service: a reload from file, environment and
/// `.env` (SIGHUP, `POST /api/providers/reload`), and runtime overrides. The new configuration is
/// loaded and validated whole first (an invalid one is rejected and the running one stays), then
/// handed to the router, the live configuration, the log level, the timer and systemd. On a
/// shared PostgreSQL database each applied change is announced, and every other instance
/// reloads as well (`follow`).
public actor ReloadCoordinator {
    private let loader: ConfigurationLoader
    private let store: any MessageStore
    private let cluster: any ClusterDuties
    private let live: LiveConfiguration
    private let router: ProviderRouter
    private let scheduler: ChannelScheduler
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let levels: LogLevelControl
    /// This instance's name, in its announcements.
    private let instance: String
    /// The runtime overrides the running configuration was built with.
    private var applied: [String: JSONValue]

    package init(loader: ConfigurationLoader, store: any MessageStore, cluster: any ClusterDuties, live: LiveConfiguration, router: ProviderRouter,
         scheduler: ChannelScheduler, notifier: SystemdNotifier, logger: Logger, levels: LogLevelControl,
         instance: String, applied: [String: JSONValue]) {
        self.instance = instance
        self.applied = applied
        self.levels = levels
        self.notifier = notifier
        self.loader = loader
        self.store = store
        self.cluster = cluster
        self.live = live
        self.router = router
        self.scheduler = scheduler
        self.logger = logger
    }

    /// Re-reads every layer and rebuilds providers, and tells the other instances (which reload
    /// too); with `dryRun` only validates. SIGHUP and `POST /api/providers/reload`.
    public func reload(dryRun: Bool = false) async throws -> ReloadReport {
        let report = try await reloadHere(dryRun: dryRun)
        if !dryRun { await announce() }
        return report
    }

    /// A reload of this instance alone. `relist`: Python plugins that failed for a reason that
    /// may have gone (a module installed since) are listed again; those unchanged are not.
    private func reloadHere(dryRun: Bool = false, relist: Bool = true) async throws -> ReloadReport {
        if !dryRun { notifier.reloading() }
        do {
            let overrides = try await store.overrides()
            if relist { loader.pythonDescriptions.forgetRetried() }
            let (configuration, plugins) = try await loader.listed(overrides: overrides)
            if !dryRun { ConfigurationIssue.log(configuration.warnings, logger: logger) }
            let report = try await apply(configuration, plugins: plugins, dryRun: dryRun)
            if !dryRun {
                applied = overrides
                notifier.ready(status: "configuration reloaded: \(report.providers.count) providers")
            }
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
        for case let (key, value?) in changes {  // removing an override is always allowed
            if let problem = ConfigSchema.overrideProblem(key: key, value: value) {
                issues.append(.init(source: "runtime override", key: key, reason: problem))
            }
        }
        for key in changes.keys.sorted() where changes[key]! != nil {
            if let unknown = live.value.missingEntry(for: key) { issues.append(.init(source: "runtime override", key: key, reason: unknown)) }
        }
        if !issues.isEmpty { throw ConfigurationError(issues) }
        var overrides = try await store.overrides()
        for (key, value) in changes { overrides[key] = value }
        let (configuration, plugins) = try await loader.listed(overrides: overrides)
        try await store.setOverrides(changes)
        applied = overrides
        let report = try await apply(configuration, plugins: plugins, dryRun: false)
        await announce()
        return report
    }

    /// Follows what another instance did: reloads when it announced a change, or when the
    /// stored overrides differ from the running ones after this instance lost the database for
    /// a while. Never announces (the change was not this instance's); a configuration that
    /// does not load here is logged and the running one stays.
    package func follow(_ change: ClusterChange) async {
        switch change {
        case .announced(let sender):
            logger.notice("configuration changed by another instance: reloading", metadata: ["by": "\(sender)"])
        case .reconnected:
            guard let stored = try? await store.overrides(), stored != applied else { return }
            logger.notice("runtime overrides changed while this instance was away from the database: reloading")
        }
        do {
            _ = try await reloadHere()
        } catch {
            logger.error("configuration change not applied here; the running configuration stays", metadata: ["error": "\(error)"])
        }
    }

    /// The service starts without waiting for Python plugins to be listed; once they are, their
    /// providers are set up by a reload of this instance alone.
    package func applyListings() async {
        defer { live.listingsApplied.open() }
        guard live.plugins.listing else { return }
        await loader.pythonDescriptions.settle()
        guard !loader.pythonDescriptions.stopped else { return }
        do {
            _ = try await reloadHere(relist: false)
        } catch {
            logger.error("Python plugins listed, but the configuration no longer loads; the running one stays", metadata: ["error": "\(error)"])
        }
    }

    /// Ends the listings under way: the service stops.
    package nonisolated func stopListings() {
        loader.pythonDescriptions.stop()
    }

    /// Tells the other instances on the database; one that misses it catches up on reconnect.
    private func announce() async {
        do {
            try await cluster.announceConfigurationChange(by: instance)
        } catch {
            logger.warning("configuration change not announced to the other instances", metadata: ["error": "\(error)"])
        }
    }

    /// The stored runtime overrides.
    public func overrides() async throws -> [String: JSONValue] {
        try await store.overrides()
    }

    private func apply(_ configuration: AppConfiguration, plugins: PluginCatalog, dryRun: Bool) async throws -> ReloadReport {
        if dryRun {
            return ReloadReport(providers: await router.statuses(), diff: await router.preview(configuration.providers), dryRun: true,
                                channels: Self.channelDiff(from: live.value.channels, to: configuration.channels))
        }
        let previous = live.value
        let diff = await router.replace(with: configuration.providers, routing: configuration.routing, registry: plugins.registry, redactor: configuration.redactor)
        live.replace(with: configuration, plugins: plugins)
        levels.level = configuration.logLevel
        if previous.adminToken.value != configuration.adminToken.value {
            logger.notice("admin token changed: routes now need the one from \(configuration.adminToken.origin ?? "nowhere: admin routes are off")")
        }
        await scheduler.apply(configuration.channels)
        let channels = Self.channelDiff(from: previous.channels, to: configuration.channels)
        logger.info("configuration applied", metadata: [
            "added": "\(diff.added)", "removed": "\(diff.removed)", "changed": "\(diff.changed)",
            "channels_added": "\(channels.added)", "channels_removed": "\(channels.removed)", "channels_changed": "\(channels.changed)",
        ])
        return ReloadReport(providers: await router.statuses(), diff: diff, dryRun: false, channels: channels)
    }

    /// Which channels a reload added, removed, changed and left alone, by name.
    static func channelDiff(from old: [ChannelConfiguration], to new: [ChannelConfiguration]) -> ProviderDiff {
        var diff = ProviderDiff()
        for channel in new {
            guard let before = old.first(where: { $0.name == channel.name }) else { diff.added.append(channel.name); continue }
            if before == channel { diff.unchanged.append(channel.name) } else { diff.changed.append(channel.name) }
        }
        diff.removed = old.map(\.name).filter { name in !new.contains { $0.name == name } }
        return diff
    }
}
