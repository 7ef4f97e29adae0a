import Foundation
import Logging
import TickerConfig
import TickerCore
import TickerProviders
import TickerStorage

/// How one tick ended.
public enum TickOutcome: Sendable {
    case stored(Message)
    /// The message waits for review (a rule's `hold`, or the channel's `review`): nothing published.
    case held(AuditRecord)
    /// Every provider failed and `use_cache` re-published an archived message.
    case archived(Message, attempts: [Attempt])
    /// Nothing was stored; `noProvider` when there was nobody to ask at all.
    case failed(attempts: [Attempt], noProvider: Bool)
    /// An answer was accepted but could not be stored (disk full, read-only database).
    case storageFailed(attempts: [Attempt])
    /// Another tick was running.
    case skipped
    /// This instance stands by: the leader (when known) runs the ticks.
    case standby(leader: String?)
}

/// The tick pipeline of every channel: ask the best of the channel's providers, check the answer,
/// store and publish it, fall back when all fail, and record every attempt. Never two of one
/// channel at once; channels tick side by side, sharing the providers' health and circuits.
public actor TickService {
    private let store: any MessageStore
    private let cluster: any ClusterDuties
    private let router: ProviderRouter
    private let configuration: LiveConfiguration
    /// Where a stored message goes to be served (the HTTP layer's cache).
    private let publisher: any MessagePublisher
    private let metrics: TickerMetrics
    private let logger: Logger
    /// Only the leader ticks; on SQLite this instance always leads.
    package nonisolated let leadership: Leadership
    /// Told about every finished tick (systemd's STATUS= line).
    private let onTick: @Sendable (TickRecord) -> Void
    /// Each channel's tick under way, so a manual one can wait for it instead of failing.
    private var current: [String: Task<TickOutcome, Never>] = [:]
    public private(set) var skippedTicks = 0
    /// Timer firings that passed while this instance could not reach the shared database and
    /// nobody led: ticks the outage cost.
    public private(set) var pausedTicks = 0
    public private(set) var lastTick: TickRecord?

    package init(store: any MessageStore, cluster: any ClusterDuties = SoloCluster(), router: ProviderRouter, configuration: LiveConfiguration,
         publisher: any MessagePublisher, metrics: TickerMetrics, logger: Logger, leadership: Leadership = .solo(),
         externalRule: @escaping @Sendable (GuardrailRuleConfiguration) -> ExternalRule? = { _ in nil },
         onTick: @escaping @Sendable (TickRecord) -> Void = { _ in }) {
        self.externalRule = externalRule
        self.leadership = leadership
        self.onTick = onTick
        self.store = store
        self.cluster = cluster
        self.router = router
        self.configuration = configuration
        self.publisher = publisher
        self.metrics = metrics
        self.logger = logger
    }

    /// Set when the scheduler stops: a timer firing still on its way starts nothing.
    private var timerStopped = false
    private var builtGuardrails: [String: (configuration: GuardrailConfiguration, names: [String]?, rules: Guardrails)] = [:]
    /// Makes the check of a rule that calls out (moderation, plugin); nil leaves the rule out.
    private let externalRule: @Sendable (GuardrailRuleConfiguration) -> ExternalRule?

    /// Runs one tick of `channel`; `only` restricts it to one provider instance (`ai-ticker
    /// generate --provider`); `scheduledAt` is the timer's time, which names its slot. The one
    /// place that keeps a channel's ticks from overlapping: while another of its ticks runs, this
    /// one is skipped and counted, or with `join` waits for that tick (at most as long as that
    /// tick, which its deadline bounds) and returns its outcome.
    public func tick(channel: String = defaultChannel, trigger: TickRecord.Trigger, only: String? = nil, join: Bool = false,
                     scheduledAt: Date? = nil) async -> TickOutcome {
        if timerStopped, trigger == .timer { return .skipped }
        let state = leadership.current
        guard state.role == .leader else {
            // A standby never ticks: its timer firings pass, and a manual tick says who ticks.
            if trigger == .timer {
                // Nobody leads and the database does not answer: the schedule is paused.
                if state.leader == nil, await !store.ping() {
                    pausedTicks += 1
                    metrics.tickPaused()
                }
                return .skipped
            }
            return .standby(leader: state.leader)
        }
        if let running = current[channel] {
            guard join else {
                skippedTicks += 1
                metrics.tick(channel: channel, outcome: .skipped)
                return .skipped
            }
            return await running.value  // bounded: every attempt of a tick ends by its deadline
        }
        guard let settings = configuration.value.channels.first(where: { $0.name == channel }) else { return .skipped }
        let task = Task { await self.run(settings, trigger: trigger, only: only, scheduledAt: scheduledAt) }
        current[channel] = task
        let outcome = await task.value
        current[channel] = nil
        return outcome
    }

    /// Lets timer ticks run, or stops them and waits for the tick under way (shutdown).
    func timer(running: Bool) async {
        timerStopped = !running
        if !running {
            for task in current.values { _ = await task.value }
        }
    }

    private func run(_ channel: ChannelConfiguration, trigger: TickRecord.Trigger, only: String?, scheduledAt: Date?) async -> TickOutcome {
        let config = configuration.value
        let started = Date()
        let finish = { (result: Result, attempts: [Attempt]) in
            await self.finish(result, channel: channel, started: started, trigger: trigger, attempts: attempts, config: config)
        }
        if let problem = store.problem {
            // Asking a vendor for a message that cannot be stored would only cost money.
            let attempt = Attempt(provider: "storage", outcome: .skipped, errorClass: .storage, detail: problem)
            return await finish(.refused, [attempt])
        }
        if trigger == .timer {
            let slot = Self.slot(of: channel.schedule, at: scheduledAt ?? started)
            do {
                guard try await cluster.claim(channel: channel.name, slot: slot, instance: leadership.instance) else {
                    logger.notice("tick skipped: this timer slot was ticked already (by this or another instance)",
                                  metadata: ["channel": "\(channel.name)", "slot": "\(slot)"])
                    return .skipped
                }
            } catch {
                let attempt = Attempt(provider: "storage", outcome: .skipped, errorClass: .storage, detail: "\(error)")
                return await finish(.refused, [attempt])
            }
        }
        let deadline = ContinuousClock.now + .seconds(config.ticker.tickDeadlineSeconds)
        var (candidates, attempts) = await router.plan(now: started, only: channel.providers)
        if let only {
            candidates = candidates.filter { $0.id == only }
            attempts = attempts.filter { $0.provider == only }
        }
        if DailyBudget.applies(to: channel, entries: config.providers) {
            let spend = try? await store.spend(since: DailyBudget.dayStart(started))
            let (kept, skipped) = DailyBudget.apply(candidates, spend: spend, channel: channel, entries: config.providers)
            candidates = kept
            attempts += skipped
        }
        let recent = await recentForDedupe(channel, threshold: config.ticker.fuzzyThreshold)
        let guardrails = guardrails(for: channel, config.guardrails)
        let withdrawn = await withdrawnContents(channel)

        for candidate in candidates {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                attempts.append(Attempt(provider: candidate.id, outcome: .skipped, errorClass: .deadline, detail: "tick deadline reached"))
                continue
            }
            let seconds = min(candidate.timeout, remaining.milliseconds / 1000)
            let clock = ContinuousClock.now
            var attempt = Attempt(provider: candidate.id, outcome: .failure)
            do {
                var response = try await withTimeout(seconds: seconds) {
                    try await candidate.provider.generateMessage(systemPrompt: channel.systemPrompt, userPrompt: channel.userPrompt)
                }
                attempt.durationMs = Self.milliseconds(since: clock)
                attempt.usage = response.usage
                attempt.cost = config.providers.first { $0.id == candidate.id }?.pricing?.cost(of: response.usage)
                metrics.usage(provider: candidate.id, usage: response.usage, cost: attempt.cost)
                response.content = MessageText.clean(response.content)
                if let (errorClass, detail) = AnswerCheck.rejection(of: response, recent: recent, threshold: config.ticker.fuzzyThreshold,
                                                                                maxLength: channel.maxMessageLength, secrets: config.redactor) {
                    attempt.outcome = .rejected
                    attempt.errorClass = errorClass
                    attempt.detail = detail
                    attempts.append(attempt)
                    metrics.generation(provider: candidate.id, outcome: errorClass.rawValue, seconds: attempt.durationMs / 1000)
                    if errorClass != .duplicate {
                        await router.recordFailure(id: candidate.id, error: .badResponse(detail), now: Date())
                    }
                    continue
                }
                var verdict = guardrails.check(response.content, prompts: [channel.systemPrompt, channel.userPrompt])
                if verdict.blocked == nil, !guardrails.external.isEmpty {
                    let context = ExternalRule.Context(channel: channel.name, provider: candidate.id, prompts: [channel.systemPrompt, channel.userPrompt])
                    attempt.checks = await guardrails.checkExternal(&verdict, context: context)
                }
                if verdict.blocked == nil, withdrawn.contains(Similarity.normalize(verdict.text)) {
                    verdict.decisions.append(.init(rule: "withdrawn", action: .block, reason: "an admin retracted or rejected this message before"))
                }
                for decision in verdict.decisions {
                    metrics.guardrail(rule: decision.rule, action: decision.action.rawValue)
                    logger.notice("guardrail", metadata: ["channel": "\(channel.name)", "provider": "\(candidate.id)", "rule": "\(decision.rule)",
                                                          "action": "\(decision.action.rawValue)", "reason": "\(decision.reason)"])
                }
                if let blocked = verdict.blocked {
                    attempt.outcome = .rejected
                    attempt.errorClass = .guardrail
                    attempt.detail = "guardrail \(blocked.rule): \(blocked.reason)"
                    attempts.append(attempt)
                    metrics.generation(provider: candidate.id, outcome: ErrorClass.guardrail.rawValue, seconds: attempt.durationMs / 1000)
                    await audit(AuditRecord(channel: channel.name, status: .blocked, content: Guardrails.masked(response.content), rule: blocked.rule,
                                            reason: blocked.reason, provider: candidate.id, model: response.model, decidedBy: "guardrail"), channel)
                    continue
                }
                response.content = verdict.text
                attempt.outcome = .success
                attempts.append(attempt)
                metrics.generation(provider: candidate.id, outcome: "success", seconds: attempt.durationMs / 1000)
                await router.recordSuccess(id: candidate.id, latencyMs: attempt.durationMs)
                let message = NewMessage(
                    content: response.content.trimmingCharacters(in: .whitespacesAndNewlines), provider: candidate.id,
                    providerName: response.providerName, model: response.model, usage: response.usage,
                    finishReason: response.metadata.finishReason, responseID: response.metadata.responseID,
                    profile: channel.profile, latencyMs: attempt.durationMs, createdAt: Date(),
                    source: .generated, attempts: attempts, channel: channel.name
                )
                if let held = verdict.held {
                    return await finish(.held(message, rule: held.rule, reason: held.reason, by: "guardrail"), attempts)
                }
                if channel.review {
                    return await finish(.held(message, rule: "review", reason: "channel \(channel.name) holds every message for review", by: "review"), attempts)
                }
                let outcome = await finish(.generated(message), attempts)
                let redactions = verdict.decisions.filter { $0.action == .redact }
                if case .stored(let stored) = outcome, !redactions.isEmpty {
                    await audit(AuditRecord(channel: channel.name, status: .redacted, content: stored.content,
                                            rule: redactions.map(\.rule).joined(separator: ", "), reason: redactions.map(\.reason).joined(separator: "; "),
                                            provider: candidate.id, model: response.model, messageID: stored.id, decidedBy: "guardrail"), channel)
                }
                return outcome
            } catch {
                let providerError = ProviderError(error)
                attempt.durationMs = Self.milliseconds(since: clock)
                attempt.errorClass = providerError.kind
                attempt.detail = config.redactor.redact(providerError.message)
                attempts.append(attempt)
                metrics.generation(provider: candidate.id, outcome: providerError.kind.rawValue, seconds: attempt.durationMs / 1000)
                await router.recordFailure(id: candidate.id, error: providerError, now: Date())
                logger.warning("provider attempt failed", metadata: ["provider": "\(candidate.id)", "error": "\(attempt.detail ?? "")"])
            }
        }
        // Not while the channel is under review (nothing reaches its screens unseen), nor a
        // message today's rules would keep off them.
        if config.routing.fallback == .useCache, !channel.review,
           let archived = try? await store.archiveCandidate(channel: channel.name, excludingNewest: 10),
           case let verdict = guardrails.check(archived.content, prompts: [channel.systemPrompt, channel.userPrompt]),
           verdict.blocked == nil, verdict.held == nil, verdict.text == archived.content {
            // The archived message's words and origin, as a new message of this tick.
            var message = archived.fields
            (message.usage, message.latencyMs, message.createdAt, message.source, message.attempts) = (Usage(), 0, Date(), .archive, attempts)
            return await finish(.archived(message), attempts)
        }
        return await finish(.nothing(noProvider: candidates.isEmpty), attempts)
    }

    private enum Result {
        case generated(NewMessage)
        /// Waits for review: `rule` and `reason` say why, `by` what decided (a rule, or the review switch).
        case held(NewMessage, rule: String, reason: String, by: String)
        case archived(NewMessage)
        case nothing(noProvider: Bool)
        /// The store cannot take a message (`MessageStore.problem`): nobody was asked.
        case refused
    }

    /// Stores the message (if any), publishes it, records the tick and counts it.
    private func finish(_ result: Result, channel: ChannelConfiguration, started: Date, trigger: TickRecord.Trigger, attempts: [Attempt],
                        config: AppConfiguration) async -> TickOutcome {
        var attempts = attempts
        var outcome: TickOutcome
        var stored: Message?
        var held: AuditRecord?
        switch result {
        case .held(let message, let rule, let reason, let by):
            do {
                held = try await store.addAudit(AuditRecord(channel: channel.name, status: .held, content: message.content, rule: rule, reason: reason,
                                                            provider: message.provider, model: message.model, decidedBy: by),
                                                held: message, retention: channel.retention)
                logger.notice("message held for review", metadata: ["channel": "\(channel.name)", "record": "\(held?.id ?? 0)", "rule": "\(rule)"])
            } catch {
                logger.error("could not store message", metadata: ["error": "\(error)"])
                attempts.append(Attempt(provider: message.provider, outcome: .failure, errorClass: .storage, detail: "\(error)"))
            }
        case .generated(let message), .archived(let message):
            do {
                let written = try await store.insert(message, retention: channel.retention)
                publisher.publish(written.message, record: written.record, deletedUpTo: written.deletedUpTo)
                stored = written.message
            } catch {
                logger.error("could not store message", metadata: ["error": "\(error)"])
                attempts.append(Attempt(provider: message.provider, outcome: .failure, errorClass: .storage, detail: "\(error)"))
            }
        case .nothing, .refused:
            break
        }
        switch (result, stored, held) {
        case (.generated, let message?, _): outcome = .stored(message)
        case (.held, _, let record?): outcome = .held(record)
        case (.archived, let message?, _): outcome = .archived(message, attempts: attempts)
        case (.nothing(let noProvider), _, _): outcome = .failed(attempts: attempts, noProvider: noProvider)
        default: outcome = .storageFailed(attempts: attempts)
        }
        let name: TickRecord.Outcome = switch outcome {
        case .stored: .stored
        case .held: .held
        case .archived: .archived
        case .failed: .failed
        case .storageFailed: .storageFailed
        case .skipped, .standby: .skipped  // never reached: neither runs a tick
        }
        let record = TickRecord(channel: channel.name, startedAt: started, finishedAt: Date(), trigger: trigger, outcome: name, messageID: stored?.id,
                                heldID: held?.id, attempts: attempts)
        lastTick = record
        onTick(record)
        metrics.tick(channel: channel.name, outcome: name)
        if case .refused = result {
            logger.warning("tick skipped: nothing can be stored", metadata: ["problem": "\(attempts.first?.detail ?? "")"])
            return outcome
        }
        do {
            try await store.recordTick(record, retention: channel.retention, statsDays: config.ticker.statsRetentionDays)
            if config.providers.contains(where: { $0.pricing != nil }), let spend = try? await store.spend(since: DailyBudget.dayStart(Date())) {
                metrics.spendToday(Dictionary(spend.map { ($0.provider, $0.spend) }, uniquingKeysWith: +), providers: config.providers.map(\.id))
            }
        } catch {
            logger.error("could not record tick", metadata: ["error": "\(error)"])
        }
        logger.info("tick finished", metadata: ["channel": "\(channel.name)", "outcome": "\(name.rawValue)", "trigger": "\(trigger.rawValue)", "message_id": "\(stored.map { String($0.id) } ?? "-")"])
        return outcome
    }

    /// Keeps what a guardrail decided in the audit; a database that cannot take it is logged,
    /// and the tick goes on (the decision itself was already applied).
    private func audit(_ record: AuditRecord, _ channel: ChannelConfiguration) async {
        do {
            _ = try await store.addAudit(record, held: nil, retention: channel.retention)
        } catch {
            logger.error("could not keep an audit record", metadata: ["channel": "\(channel.name)", "status": "\(record.status.rawValue)", "error": "\(error)"])
        }
    }

    /// The channel's rules, built again only when the configuration changed them (a long word
    /// list takes milliseconds to fold).
    private func guardrails(for channel: ChannelConfiguration, _ configuration: GuardrailConfiguration) -> Guardrails {
        if let built = builtGuardrails[channel.name], built.configuration == configuration, built.names == channel.guardrailRules { return built.rules }
        let rules = Guardrails(configuration, channel: channel, external: externalRule)
        builtGuardrails[channel.name] = (configuration, channel.guardrailRules, rules)
        return rules
    }

    /// What an admin retracted or rejected lately in the channel, normalised: never published
    /// again, whatever the de-duplication settings.
    private func withdrawnContents(_ channel: ChannelConfiguration) async -> Set<[Character]> {
        var contents: [String] = []
        for status in [AuditRecord.Status.retracted, .rejected] {
            contents += ((try? await store.audit(channel: channel.name, status: status, limit: 100, before: nil)) ?? []).map(\.content)
        }
        return Set(contents.map(Similarity.normalize))
    }

    private func recentForDedupe(_ channel: ChannelConfiguration, threshold: Int) async -> [[Character]] {
        guard channel.dedupeWindow > 0, threshold > 0 else { return [] }
        let contents = (try? await store.recentContents(channel: channel.name, limit: channel.dedupeWindow)) ?? []
        return contents.map(Similarity.normalize)
    }

    /// The slot a timer tick claims, the same on every instance: its interval's number since
    /// 1970, or for a cron schedule the minute it was due.
    static func slot(of schedule: Schedule, at date: Date) -> Int64 {
        let period: Int64 = if case .interval(let seconds) = schedule.timing { Int64(seconds) } else { 60 }
        return Int64(date.timeIntervalSince1970) / period
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        (start.duration(to: .now).milliseconds * 10).rounded() / 10
    }
}
