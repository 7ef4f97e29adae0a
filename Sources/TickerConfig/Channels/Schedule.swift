import Foundation

/// When a channel ticks: every so many seconds or on a cron expression, read in a time zone, and
/// only within its active hours and days when it has them.
///
/// Wall-clock times that a daylight-saving change skips run once, at the change; times it repeats
/// run once, the first time, unless the cron expression runs every hour (`*` hours), which then
/// also runs in the repeated hour as the clock on the wall says.
public struct Schedule: Sendable, Equatable {
    public enum Timing: Sendable, Equatable {
        case interval(seconds: Int)
        case cron(CronExpression)
    }

    /// Minutes after local midnight: `start..<end`; an end at or before the start crosses midnight.
    public struct ActiveHours: Sendable, Equatable {
        public var start: Int
        public var end: Int
    }

    public var timing: Timing
    public var timeZone: TimeZone
    public var activeHours: ActiveHours?
    /// Weekdays (0 = Sunday) a window may start on; nil: every day.
    public var days: Set<Int>?

    public init(timing: Timing, timeZone: TimeZone = TimeZone(identifier: "UTC")!, activeHours: ActiveHours? = nil, days: Set<Int>? = nil) {
        self.timing = timing
        self.timeZone = timeZone
        self.activeHours = activeHours
        self.days = days
    }

    /// Whether the channel may tick at `date`.
    public func isActive(at date: Date) -> Bool {
        let local = wall(date)
        let dayAllowed = { (weekday: Int) in days?.contains(weekday) ?? true }
        guard let hours = activeHours else { return dayAllowed(local.weekday) }
        if hours.start < hours.end { return dayAllowed(local.weekday) && (hours.start..<hours.end).contains(local.minuteOfDay) }
        return (local.minuteOfDay >= hours.start && dayAllowed(local.weekday))
            || (local.minuteOfDay < hours.end && dayAllowed((local.weekday + 6) % 7))
    }

    /// The tick after one at (or the start at) `date`: the next cron time, or `date` plus the
    /// interval, moved to the start of the next active window when it falls outside; nil when
    /// there is none within a year (a cron day that never comes, such as 31 February).
    public func next(after date: Date) -> Date? {
        switch timing {
        case .interval(let seconds): return firstActive(onOrAfter: date.addingTimeInterval(Double(seconds)))
        case .cron(let cron): return nextCron(cron, after: date)
        }
    }

    /// `date` when the channel is active then, else the start of its next active window.
    public func firstActive(onOrAfter date: Date) -> Date? {
        if isActive(at: date) { return date }
        let start = activeHours?.start ?? 0
        let today = wall(date)
        for offset in 0...8 {
            let day = today.adding(days: offset)
            guard days?.contains(day.weekday) ?? true else { continue }
            if let opening = instants(day.at(minuteOfDay: start)).first, opening >= date { return opening }
        }
        return nil
    }

    private func nextCron(_ cron: CronExpression, after date: Date) -> Date? {
        let first = wall(date)
        let minutes = cron.minutes.sorted(), hours = cron.hours.sorted()
        for offset in 0..<(366 * 5) {
            let day = first.adding(days: offset)
            guard cron.matches(day: day.day, month: day.month, weekday: day.weekday) else { continue }
            // Wall order is time order but around a repeated hour: look three hours past the
            // first find for an earlier one.
            var best: (instant: Date, wall: Double)?
            times: for hour in hours {
                for minute in minutes {
                    let local = day.at(minuteOfDay: hour * 60 + minute)
                    if offset == 0, local.seconds < first.seconds - 10_800 { continue }
                    if let best, local.seconds > best.wall + 10_800 { break times }
                    let found = instants(local)
                    for instant in cron.everyHour ? found : Array(found.prefix(1)) where instant > date && isActive(at: instant) {
                        if instant < best?.instant ?? .distantFuture { best = (instant, local.seconds) }
                    }
                }
            }
            if let best { return best.instant }
        }
        return nil
    }

    /// The instants a wall-clock time names: one, two when a change repeats it (earlier first),
    /// or the change itself when the change skips it.
    private func instants(_ local: WallTime) -> [Date] {
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local.seconds - 43_200))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: local.seconds + 43_200))
        let valid = Set([before, after]).compactMap { offset -> Date? in
            let instant = Date(timeIntervalSince1970: local.seconds - Double(offset))
            return timeZone.secondsFromGMT(for: instant) == offset ? instant : nil
        }.sorted()
        if !valid.isEmpty { return valid }
        let earliest = Date(timeIntervalSince1970: local.seconds - Double(max(before, after)))
        return [timeZone.nextDaylightSavingTimeTransition(after: earliest) ?? Date(timeIntervalSince1970: local.seconds - Double(min(before, after)))]
    }

    private func wall(_ date: Date) -> WallTime {
        WallTime(seconds: (date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))).rounded(.down))
    }
}

/// A wall-clock time as seconds since 1970-01-01 00:00 on that wall: the calendar arithmetic of a
/// day without any time zone.
private struct WallTime {
    var seconds: Double

    private var days: Int { Int((seconds / 86_400).rounded(.down)) }
    var minuteOfDay: Int { Int(seconds - Double(days) * 86_400) / 60 }
    /// 0 = Sunday (1970-01-01 was a Thursday).
    var weekday: Int { ((days % 7) + 7 + 4) % 7 }
    var day: Int { date.day }
    var month: Int { date.month }

    func adding(days count: Int) -> WallTime { WallTime(seconds: Double(days + count) * 86_400) }
    func at(minuteOfDay minute: Int) -> WallTime { WallTime(seconds: Double(days) * 86_400 + Double(minute) * 60) }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private var date: (day: Int, month: Int) {
        let parts = Self.calendar.dateComponents([.day, .month], from: Date(timeIntervalSince1970: seconds))
        return (parts.day ?? 1, parts.month ?? 1)
    }
}
