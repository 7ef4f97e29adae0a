import Foundation
import Logging
import TickerConfig
import TickerCore

/// A provider picked for one attempt of a tick.
package struct Candidate: Sendable {
    package let id: String
    package let providerName: String
    package let provider: any AIProvider
    package let timeout: Double
}

/// Owns the live providers and their health; decides who is asked, in what order (README, How it works).
package actor ProviderRouter {
    struct Slot {
        var entry: ProviderEntry
        var provider: (any AIProvider)?
        /// Why the provider cannot be used; nil when it can.
        var reason: String?
        var health = ProviderHealth()
        var breaker: CircuitBreaker
        /// Outcomes of the last generations, newest last (success = true).
        var recent: [Bool] = []
        var latencyMs: Double?

        var successRate: Double? { recent.isEmpty ? nil : Double(recent.filter { $0 }.count) / Double(recent.count) }
        var usable: Bool { entry.enabled && provider != nil && reason == nil }
        /// Enabled and configured well enough to be started.
        var wanted: Bool { entry.enabled && entry.unavailableReason == nil }

        /// Why a tick passes this enabled slot over now, or nil when it may be asked: the one
        /// rule that planning and `/api/providers`' `selected` share.
        func exclusion(now: Date) -> (ErrorClass, String?)? {
            if let reason { return (.unavailable, reason) }
            if provider == nil { return (.unavailable, "not started") }
            if health.status == .unhealthy { return (.unhealthy, health.lastError) }
            if let until = breaker.cooldownUntil, until > now { return (.cooldown, "circuit \(breaker.state.rawValue) until \(RFC3339.string(from: until))") }
            return nil
        }
    }

    private var slots: [Slot] = []
    /// The one start of the configured providers, begun by the service or the first tick.
    private var starting: Task<Void, Never>?
    private var registry: PluginRegistry
    /// Hides configured keys in the errors and details this router keeps for `/api/providers`.
    private var redactor = SecretRedactor(secrets: [])
    private let context: ProviderContext
    private var logger: Logger { context.logger }
    /// Counts the replacements that added or changed a provider: health results taken before
    /// the last one may describe providers that are gone, so the leader probes again.
    package private(set) var revision = 0

    package init(registry: PluginRegistry, context: ProviderContext) {
        self.registry = registry
        self.context = context
    }

    /// Rebuilds providers for `entries`, keeping the instance and its health where the plugin and
    /// settings are unchanged, then swaps them in at once and shuts the replaced ones down. Only
    /// enabled, available entries get a provider: a disabled one starts nothing. A plugin process
    /// is restarted only when its command, environment or files changed (then its health and
    /// circuit state carry over like the others'). Before `start`, only the entries are taken:
    /// nothing is started until the service runs or a tick asks.
    /// What `replace` would change for `entries`, changing nothing: a dry run's diff (an entry
    /// whose settings differ at all counts as changed).
    package func preview(_ entries: [ProviderEntry]) -> ProviderDiff {
        var diff = ProviderDiff()
        for entry in entries {
            guard let old = slots.first(where: { $0.entry.id == entry.id })?.entry else { diff.added.append(entry.id); continue }
            if old == entry { diff.unchanged.append(entry.id) } else { diff.changed.append(entry.id) }
        }
        diff.removed = slots.map(\.entry.id).filter { id in !entries.contains { $0.id == id } }
        return diff
    }

    package func replace(with entries: [ProviderEntry], routing: RoutingConfiguration, registry: PluginRegistry? = nil,
                 redactor: SecretRedactor = SecretRedactor(secrets: [])) async -> ProviderDiff {
        await starting?.value  // a reload during the first start waits for it
        let live = starting != nil
        if let registry { self.registry = registry }
        self.redactor = redactor
        var diff = ProviderDiff()
        var kept = Set<String>()
        var newSlots: [Slot] = []
        for entry in entries {
            let wanted = entry.enabled && entry.unavailableReason == nil
            let breaker = CircuitBreaker(failureThreshold: routing.circuitFailureThreshold, baseCooldown: Double(routing.circuitCooldownSeconds))
            let old = sameIdentity(as: entry)
            let keepsProvider = wanted && old?.provider != nil && processUnchanged(old?.provider, entry)
            var slot = old ?? Slot(entry: entry, breaker: breaker)
            if old == nil {
                if slots.contains(where: { $0.entry.id == entry.id }) { diff.changed.append(entry.id) } else { diff.added.append(entry.id) }
            } else if keepsProvider || (old?.provider == nil && !(wanted && live)), entry.priority == old?.entry.priority, entry.enabled == old?.entry.enabled {
                diff.unchanged.append(entry.id)
            } else {
                diff.changed.append(entry.id)
            }
            slot.entry = entry
            slot.breaker.failureThreshold = breaker.failureThreshold
            slot.breaker.baseCooldown = breaker.baseCooldown
            if keepsProvider {
                kept.insert(entry.id)
            } else if wanted {
                (slot.provider, slot.reason) = live ? await build(entry) : (nil, nil)
            } else {
                (slot.provider, slot.reason) = (nil, entry.unavailableReason)
            }
            newSlots.append(slot)
        }
        diff.removed = slots.map(\.entry.id).filter { id in !entries.contains { $0.id == id } }
        let retired = slots.filter { !kept.contains($0.entry.id) }.compactMap(\.provider)
        slots = newSlots
        if !diff.added.isEmpty || !diff.changed.isEmpty { revision += 1 }
        for provider in retired { await provider.shutdown() }
        return diff
    }

    /// Starts every configured provider, side by side, once: the service calls it when it runs,
    /// and so does the first tick or health check of a caller that never runs the service (the
    /// CLI, a library user). Every caller waits for the same start.
    package func start() async {
        if starting == nil {
            let entries = slots.filter { $0.wanted && $0.provider == nil && $0.reason == nil }.map(\.entry)
            starting = Task {
                await withTaskGroup(of: Void.self) { group in
                    for entry in entries { group.addTask { await self.startSlot(entry) } }
                }
            }
        }
        await starting?.value
    }

    private func startSlot(_ entry: ProviderEntry) async {
        let built = await build(entry)
        guard let index = slots.firstIndex(where: { $0.entry == entry && $0.provider == nil && $0.reason == nil }) else {
            await built.provider?.shutdown()
            return
        }
        (slots[index].provider, slots[index].reason) = built
    }

    /// True unless the provider runs a process that its plugin would now start differently
    /// (`AIProviderPlugin.launchFingerprint`): a changed command, environment or file.
    private func processUnchanged(_ provider: (any AIProvider)?, _ entry: ProviderEntry) -> Bool {
        provider?.launchFingerprint == registry.plugin(named: entry.plugin)?.launchFingerprint
    }

    /// The slot of the same instance with the same plugin and settings, whose health carries over.
    private func sameIdentity(as entry: ProviderEntry) -> Slot? {
        slots.first { old in
            old.entry.id == entry.id && old.entry.plugin == entry.plugin && old.entry.config == entry.config
                && old.entry.unavailableReason == entry.unavailableReason
        }
    }

    /// A started provider, or why there is none. One whose start fails is shut down (a plugin
    /// process must not outlive its failed handshake); the next reload tries again.
    private func build(_ entry: ProviderEntry) async -> (provider: (any AIProvider)?, reason: String?) {
        guard let plugin = registry.plugin(named: entry.plugin) else { return (nil, "unknown plugin \"\(entry.plugin)\"") }
        let provider: any AIProvider
        do {
            provider = try plugin.makeProvider(config: entry.config, context: context)
        } catch {
            return (nil, startFailure(entry, error))
        }
        if let unavailable = provider as? UnavailableProvider {
            // A Python plugin still being listed is expected at start, not a failure worth a warning.
            return (nil, startFailure(entry, ProviderError.unavailable(unavailable.reason), level: unavailable.pending ? .info : .warning))
        }
        do {
            // Starting may load an interpreter and its modules: a short per-attempt timeout is no
            // measure of that, so start-up gets at least ten seconds.
            try await withTimeout(seconds: max(entry.config.timeout, 10)) { try await provider.initialize() }
        } catch {
            await provider.shutdown()
            return (nil, startFailure(entry, error))
        }
        return (provider, nil)
    }

    private func startFailure(_ entry: ProviderEntry, _ error: any Error, level: Logger.Level = .warning) -> String {
        let message = redactor.redact(ProviderError.message(of: error))
        logger.log(level: level, "provider failed to start", metadata: ["provider": "\(entry.id)", "error": "\(message)"])
        return "initialize failed: \(message)"
    }

    /// The providers to try this tick, best first, and those passed over with the reason.
    /// When none is eligible, the best usable one is tried anyway rather than nothing.
    /// `only`: a channel's provider entries, asked in that order instead of by priority.
    package func plan(now: Date, only: [String]? = nil) async -> (candidates: [Candidate], skipped: [Attempt]) {
        await start()
        var candidates: [Candidate] = []
        var skipped: [Attempt] = []
        let order = only.map { ids in ids.compactMap { id in slots.firstIndex { $0.entry.id == id } } } ?? orderedIndices()
        for index in order where slots[index].entry.enabled {
            if let (errorClass, detail) = slots[index].exclusion(now: now) {
                skipped.append(Attempt(provider: slots[index].entry.id, outcome: .skipped, errorClass: errorClass, detail: detail))
            } else if let candidate = candidate(index) {
                _ = slots[index].breaker.allowsCall(now: now)  // an open circuit past its cooldown goes half-open
                candidates.append(candidate)
            }
        }
        // Nobody eligible: the best usable one is asked all the same.
        if candidates.isEmpty, let best = order.first(where: { slots[$0].usable }), let candidate = candidate(best) {
            candidates.append(candidate)
        }
        return (candidates, skipped)
    }

    /// The best usable slot, asked when no slot is eligible.
    private func fallback() -> Int? {
        orderedIndices().first { slots[$0].usable }
    }

    private func candidate(_ index: Int) -> Candidate? {
        guard let provider = slots[index].provider else { return nil }
        return Candidate(id: slots[index].entry.id, providerName: provider.providerName, provider: provider, timeout: slots[index].entry.config.timeout)
    }

    /// Priority first, then recent success rate, then latency.
    private func orderedIndices() -> [Int] {
        slots.indices.sorted { a, b in
            let (x, y) = (slots[a], slots[b])
            if x.entry.priority != y.entry.priority { return x.entry.priority < y.entry.priority }
            let (rx, ry) = (x.successRate ?? 1, y.successRate ?? 1)
            if rx != ry { return rx > ry }
            return (x.latencyMs ?? 0) < (y.latencyMs ?? 0)
        }
    }

    package func recordSuccess(id: String, latencyMs: Double) {
        update(id) { slot in
            slot.breaker.recordSuccess()
            slot.recent = Array((slot.recent + [true]).suffix(20))
            slot.latencyMs = slot.latencyMs.map { $0 * 0.7 + latencyMs * 0.3 } ?? latencyMs
            slot.health.status = .healthy
            slot.health.lastError = nil
        }
    }

    package func recordFailure(id: String, error: ProviderError, now: Date) {
        update(id) { slot in
            slot.breaker.recordFailure(error, now: now)
            slot.recent = Array((slot.recent + [false]).suffix(20))
            slot.health.lastError = redactor.redact(error.message)
        }
    }

    private func update(_ id: String, _ change: (inout Slot) -> Void) {
        guard let index = slots.firstIndex(where: { $0.entry.id == id }) else { return }
        change(&slots[index])
        slots[index].health.circuit = slots[index].breaker.state
        slots[index].health.consecutiveFailures = slots[index].breaker.consecutiveFailures
        slots[index].health.cooldownUntil = slots[index].breaker.cooldownUntil
    }

    /// Probes every enabled provider concurrently with its free health check, applies the
    /// results and returns them (their details redacted) for the standbys.
    @discardableResult
    package func checkHealth() async -> [HealthProbe] {
        await start()
        // A probe is cheap: it gets the attempt timeout, ten seconds at most.
        let targets = slots.filter(\.usable).map { ($0.entry.id, $0.provider!, min($0.entry.config.timeout, 10)) }
        let results = await withTaskGroup(of: (String, HealthCheckResult).self) { group in
            for (id, provider, timeout) in targets {
                group.addTask {
                    let result = try? await withTimeout(seconds: timeout) { await provider.healthCheck() }
                    return (id, result ?? HealthCheckResult(healthy: false, detail: "health check timed out"))
                }
            }
            return await group.reduce(into: [(String, HealthCheckResult)]()) { $0.append($1) }
        }
        let now = Date()
        let probes = results.map { id, result in
            var result = result
            if !result.healthy { result.detail = redactor.redact(result.detail ?? "health check failed") }
            return HealthProbe(provider: id, result: result, checkedAt: now)
        }
        apply(probes)
        return probes
    }

    /// Takes health results as the providers' state: this instance's own, or the leader's.
    package func apply(_ probes: [HealthProbe]) {
        for probe in probes {
            update(probe.provider) { slot in
                slot.health.status = probe.result.healthy ? .healthy : .unhealthy
                slot.health.checkedAt = probe.checkedAt
                slot.health.latencyMs = probe.result.latencyMs
                if !probe.result.healthy { slot.health.lastError = probe.result.detail }
            }
        }
    }

    /// Every configured provider, best first, with which one a tick would ask now.
    package func statuses(now: Date = Date()) -> [ProviderStatus] {
        let order = orderedIndices()
        let selected = order.first { slots[$0].entry.enabled && slots[$0].exclusion(now: now) == nil } ?? fallback()
        return order.map { index in
            let slot = slots[index]
            return ProviderStatus(
                id: slot.entry.id, plugin: slot.entry.plugin, name: slot.provider?.providerName ?? slot.entry.plugin,
                model: slot.entry.config.model, baseURL: slot.entry.config.baseURL, priority: slot.entry.priority,
                enabled: slot.entry.enabled, available: slot.reason == nil && slot.provider != nil,
                reason: slot.reason ?? (!slot.entry.enabled ? "disabled (enabled: false): not started" : slot.provider == nil ? "starting" : nil),
                health: slot.health, selected: index == selected, successRate: slot.successRate, info: slot.provider?.info
            )
        }
    }

    /// The live provider of an instance, if it has one.
    func provider(id: String) -> (any AIProvider)? {
        slots.first { $0.entry.id == id }?.provider
    }

    /// Stops every provider; used at shutdown.
    package func shutdownAll() async {
        await starting?.value
        let providers = slots.compactMap(\.provider)
        slots = []
        for provider in providers { await provider.shutdown() }
    }
}
