import Configuration
import Foundation

extension ConfigResolver {
    /// `default` first (from `ticker.*`, changed by `channels.default` when the file has it), then
    /// every other channel the file names, sorted. Each value a channel leaves out comes from the
    /// ticker's; a wrong one is an issue naming `channels.<name>.<key>`.
    mutating func resolveChannels(file: ConfigFile, ticker: TickerConfiguration, providerIDs: [String], guardrails: GuardrailConfiguration,
                                  prompts: inout PromptLibrary) -> [ChannelConfiguration] {
        let names = [ChannelConfiguration.defaultName] + file.channelNames.filter { $0 != ChannelConfiguration.defaultName }
        var channels: [ChannelConfiguration] = []
        for name in names {
            if let problem = ChannelConfiguration.nameProblem(name) {
                issues.append(.init(source: prompts.configPath, key: "channels", reason: problem))
                continue
            }
            var channel = resolveChannel(name, ticker: ticker, providerIDs: providerIDs, prompts: &prompts)
            resolveGuardrails(of: &channel, rules: guardrails.rules.map(\.name), review: guardrails.review)
            channels.append(channel)
        }
        return channels
    }

    private mutating func resolveChannel(_ name: String, ticker: TickerConfiguration, providerIDs: [String],
                                         prompts: inout PromptLibrary) -> ChannelConfiguration {
        let prefix = "channels.\(name)."
        var channel = ChannelConfiguration(
            name: name, profile: ticker.profile, systemPrompt: ticker.systemPrompt, userPrompt: ticker.userPrompt,
            schedule: Schedule(timing: .interval(seconds: ticker.intervalSeconds)), providers: nil,
            dedupeWindow: channelInt(prefix, Key.Channel.dedupeWindow) ?? ticker.dedupeWindow,
            retention: channelInt(prefix, Key.Channel.retention) ?? ticker.retention,
            maxMessageLength: channelInt(prefix, Key.Channel.maxMessageLength) ?? ticker.maxMessageLength)
        let system = channelString(prefix, Key.Channel.systemPrompt), user = channelString(prefix, Key.Channel.userPrompt)
        if let profile = channelString(prefix, Key.Channel.profile) {
            channel.profile = profile
            if system == nil || user == nil, let found = prompts.profile(profile, key: prefix + Key.Channel.profile.name, issues: &issues) {
                (channel.systemPrompt, channel.userPrompt) = (found.system, found.user)
            }
        } else if system != nil || user != nil {
            channel.profile = "custom"
        }
        channel.systemPrompt = system ?? channel.systemPrompt
        channel.userPrompt = user ?? channel.userPrompt
        channel.schedule = resolveSchedule(prefix, interval: ticker.intervalSeconds)
        channel.dailyBudget = read(prefix + Key.Channel.dailyBudget.name, Key.Channel.dailyBudget.spec)?.doubleValue
        if case .stringArray(let ids)? = read(prefix + Key.Channel.providers.name, Key.Channel.providers.spec) {
            let unknown = ids.filter { !providerIDs.contains($0) }
            if ids.isEmpty || !unknown.isEmpty {
                issues.append(.init(source: sourceOf(prefix + Key.Channel.providers.name), key: prefix + Key.Channel.providers.name,
                                    reason: ids.isEmpty ? "lists no provider; leave it out for every provider"
                                        : "no provider entry \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); entries: \(providerIDs.joined(separator: ", "))"))
            }
            channel.providers = ids
        }
        return channel
    }

    /// The channel's review switch and its rules, which must be rules of `guardrails.rules`.
    private mutating func resolveGuardrails(of channel: inout ChannelConfiguration, rules: [String], review: Bool) {
        let prefix = "channels.\(channel.name)."
        if case .bool(let value)? = read(prefix + Key.Channel.review.name, Key.Channel.review.spec) {
            channel.review = value
        } else {
            channel.review = review
        }
        let key = prefix + Key.Channel.guardrailRules.name
        guard case .stringArray(let names)? = read(key, Key.Channel.guardrailRules.spec) else { return }
        let unknown = names.filter { !rules.contains($0) }
        if !unknown.isEmpty {
            issues.append(.init(source: sourceOf(key), key: key, reason: "no guardrail rule \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); rules: \(rules.isEmpty ? "none" : rules.joined(separator: ", "))"))
        }
        channel.guardrailRules = names
    }

    private mutating func resolveSchedule(_ prefix: String, interval: Int) -> Schedule {
        var schedule = Schedule(timing: .interval(seconds: channelInt(prefix, Key.Channel.intervalSeconds) ?? interval))
        let cronKey = prefix + Key.Channel.cron.name
        if let text = channelString(prefix, Key.Channel.cron), let cron = try? CronExpression(text) {
            if channelWasSet(prefix + Key.Channel.intervalSeconds.name) {
                issues.append(.init(source: sourceOf(cronKey), key: cronKey, reason: "a schedule has interval_seconds or cron, not both"))
            }
            schedule.timing = .cron(cron)
        }
        if let zone = channelString(prefix, Key.Channel.timeZone) { schedule.timeZone = (try? Schedule.timeZone(zone)) ?? schedule.timeZone }
        if let hours = channelString(prefix, Key.Channel.activeHours) { schedule.activeHours = try? Schedule.activeHours(hours) }
        if case .stringArray(let names)? = read(prefix + Key.Channel.days.name, Key.Channel.days.spec) {
            do {
                schedule.days = try Schedule.weekdays(names)
            } catch {
                issues.append(.init(source: sourceOf(prefix + Key.Channel.days.name), key: prefix + Key.Channel.days.name, reason: error.description))
            }
        }
        return schedule
    }

    private mutating func channelInt(_ prefix: String, _ key: ConfigKey<Int?>) -> Int? {
        if case .int(let value)? = read(prefix + key.name, key.spec) { return value }
        return nil
    }

    private mutating func channelString(_ prefix: String, _ key: ConfigKey<String?>) -> String? {
        if case .string(let value)? = read(prefix + key.name, key.spec) { return value }
        return nil
    }

    private func channelWasSet(_ key: String) -> Bool {
        effective.contains { $0.key == key }
    }

    /// The layer a value was read from, for an issue about it.
    func sourceOf(_ key: String) -> String {
        effective.last { $0.key == key }?.source ?? "file"
    }
}

/// `prompts.json`, read once when a profile is first asked for; a file that cannot be read is
/// one issue, however many channels name a profile.
struct PromptLibrary {
    let path: String
    let configPath: String
    private var loaded: PromptSet?
    private var failed = false

    init(path: String, configPath: String) {
        self.path = path
        self.configPath = configPath
    }

    /// The prompts of `profile`; nil with an issue (against `key`) when there are none.
    mutating func profile(_ profile: String, key: String, issues: inout [ConfigurationIssue]) -> PromptSet.Prompt? {
        guard !failed else { return nil }
        if loaded == nil {
            do {
                loaded = try PromptSet.load(path: path)
            } catch {
                failed = true
                issues.append(error)
                return nil
            }
        }
        guard let prompts = loaded else { return nil }
        if let found = prompts.profiles[profile] { return found }
        issues.append(.init(source: path, key: key, reason: "profile \"\(profile)\" not found; available: \(prompts.profiles.keys.sorted().joined(separator: ", "))"))
        return nil
    }
}
