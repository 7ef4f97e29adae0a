import Foundation
import TickerCore

/// One ticker of the service: its voice, schedule, providers and limits. `channels.<name>` in
/// plugin_config.json; the channel `default` always exists, from `ticker.*` and the prompt
/// profile unless `channels.default` says otherwise, and answers the routes without a channel.
public struct ChannelConfiguration: Sendable, Equatable {
    public static let defaultName = defaultChannel

    /// A URL-safe slug.
    public var name: String
    /// The `prompts.json` profile its prompts come from, or `custom` for its own prompts.
    public var profile: String
    public var systemPrompt: String
    public var userPrompt: String
    public var schedule: Schedule
    /// The provider entries it may use, in this order; nil: every entry, by priority.
    public var providers: [String]?
    public var dedupeWindow: Int
    public var retention: Int
    public var maxMessageLength: Int
    /// Every message waits for review (`guardrails.review` of the channel, else the service's).
    public var review = false
    /// The guardrail rules that apply, by name, in order; nil: every rule.
    public var guardrailRules: [String]?
    /// `daily_budget`: spend per UTC day after which only providers without a price are asked.
    public var dailyBudget: Double?

    public var isDefault: Bool { name == Self.defaultName }

    /// Why `name` cannot name a channel, or nil when it can: 1 to 64 lowercase letters, digits and
    /// `-`, starting with a letter or digit, so that it reads the same in a URL, a label and a log.
    public static func nameProblem(_ name: String) -> String? {
        let allowed = !name.isEmpty && name.count <= 64 && name.first != "-"
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        return allowed ? nil : "a channel name is 1 to 64 lowercase letters, digits or '-' (not first), got \"\(name.prefix(70))\""
    }
}

extension Schedule {
    /// `days` as written in a schedule: `mon` … `sun`, or the whole English name.
    static func weekdays(_ names: [String]) throws(ScheduleError) -> Set<Int> {
        var days = Set<Int>()
        for name in names {
            let key = String(name.lowercased().prefix(3))
            guard let day = CronExpression.dayNames.firstIndex(of: key), name.count == 3 || Self.fullDayNames[day] == name.lowercased() else {
                throw ScheduleError("\"\(name.prefix(20))\" is not a day: use mon, tue, wed, thu, fri, sat, sun")
            }
            days.insert(day)
        }
        return days
    }

    private static let fullDayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// `active_hours` as written: `"08:00-18:00"`; an end at or before the start crosses midnight.
    static func activeHours(_ text: String) throws(ScheduleError) -> ActiveHours {
        let ends = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let start = minute(ends[0], allowing: 1_439), let end = minute(ends[1], allowing: 1_440) else {
            throw ScheduleError("active hours are written \"HH:MM-HH:MM\" (24-hour clock), got \"\(text.prefix(30))\"")
        }
        return ActiveHours(start: start, end: end == 1_440 ? 0 : end)
    }

    private static func minute(_ text: String, allowing highest: Int) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...24).contains(hour), (0...59).contains(minute) else { return nil }
        let total = hour * 60 + minute
        return total <= highest ? total : nil
    }

    /// A time zone by its IANA name (`Europe/Berlin`), or `UTC`.
    static func timeZone(_ name: String) throws(ScheduleError) -> TimeZone {
        guard name.contains("/") || name == "UTC", let zone = TimeZone(identifier: name) else {
            throw ScheduleError("\"\(name.prefix(40))\" is not a time zone: use an IANA name such as Europe/Berlin, or UTC")
        }
        return zone
    }
}

extension Schedule {
    /// The schedule as written in the configuration, for logs: `every 300 s`,
    /// `*/10 * * * * Europe/Berlin 08:00-18:00 mon,tue`.
    public var summary: String {
        var parts: [String] = switch timing {
        case .interval(let seconds): ["every \(seconds) s"]
        case .cron(let cron): [cron.description]
        }
        if zoneName != "UTC" || activeHours != nil { parts.append(zoneName) }
        if let hours = activeHours { parts.append("\(Self.clock(hours.start))-\(Self.clock(hours.end))") }
        if let days { parts.append(days.sorted().map { CronExpression.dayNames[$0] }.joined(separator: ",")) }
        return parts.joined(separator: " ")
    }

    /// The time zone as the configuration names it: Foundation calls UTC "GMT".
    var zoneName: String { timeZone.identifier == "GMT" ? "UTC" : timeZone.identifier }

    /// The schedule as the configuration writes it (`GET /api/channels`).
    public var written: JSONValue {
        var fields: [String: JSONValue] = ["time_zone": .string(zoneName)]
        switch timing {
        case .interval(let seconds): fields["interval_seconds"] = .number(Double(seconds))
        case .cron(let cron): fields["cron"] = .string(cron.description)
        }
        if let hours = activeHours { fields["active_hours"] = .string("\(Self.clock(hours.start))-\(Self.clock(hours.end))") }
        if let days { fields["days"] = .array(days.sorted().map { .string(CronExpression.dayNames[$0]) }) }
        return .object(fields)
    }

    /// `HH:MM` of minutes after midnight.
    static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
