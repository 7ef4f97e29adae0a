/// A five-field cron expression (minute, hour, day of month, month, day of week) as cron(8)
/// reads it: `*`, lists (`1,15`), ranges (`9-17`), steps (`*/10`, `8-18/2`), month and day
/// names (`jan`, `mon`), and 0 or 7 for Sunday. When both day fields are restricted, a day that
/// matches either one counts, as in cron.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    public let daysOfWeek: Set<Int>
    /// Whether the hour field is `*` (every hour): such an expression also runs in the hour a
    /// daylight-saving change repeats.
    public let everyHour: Bool
    let restrictsDayOfMonth: Bool
    let restrictsDayOfWeek: Bool
    public let description: String

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `text`; the error says which field is wrong and why.
    public init(_ text: String) throws(ScheduleError) {
        let fields = text.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
        guard fields.count == 5 else {
            throw ScheduleError("a cron expression has five fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59)
        hours = try Self.field(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31)
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, firstName: 1)
        let weekdays = try Self.field(fields[4], name: "day of week", range: 0...7, names: Self.dayNames, firstName: 0)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        everyHour = fields[1] == "*"
        restrictsDayOfMonth = !fields[2].hasPrefix("*")
        restrictsDayOfWeek = !fields[4].hasPrefix("*")
        description = fields.joined(separator: " ")
    }

    /// Whether a day (its day of month, month and weekday, 0 = Sunday) is one the expression runs on.
    func matches(day: Int, month: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        switch (restrictsDayOfMonth, restrictsDayOfWeek) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    private static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String] = [],
                              firstName: Int = 0) throws(ScheduleError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else { throw ScheduleError("\(name) field \"\(text)\" is not valid") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number > 0 else { throw ScheduleError("\(name) field \"\(text)\": a step is a positive number") }
                step = number
            }
            var bounds: ClosedRange<Int>
            if base == "*" {
                bounds = range
            } else {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw ScheduleError("\(name) field \"\(text)\" is not valid") }
                let low = try value(String(ends[0]), name: name, range: range, names: names, firstName: firstName)
                let high = ends.count == 2 ? try value(String(ends[1]), name: name, range: range, names: names, firstName: firstName)
                    : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else { throw ScheduleError("\(name) field \"\(text)\": a range runs from low to high") }
                bounds = low...high
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    private static func value(_ text: String, name: String, range: ClosedRange<Int>, names: [String], firstName: Int) throws(ScheduleError) -> Int {
        if let index = names.firstIndex(of: text) { return index + firstName }
        guard let number = Int(text), range.contains(number) else {
            throw ScheduleError("\(name) \"\(text)\" is outside \(range.lowerBound)–\(range.upperBound)")
        }
        return number
    }
}

/// What is wrong with a schedule, in words for a configuration error.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
