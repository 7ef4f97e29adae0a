import Foundation
import Testing
@testable import AITicker
@testable import TickerConfig

private func at(_ text: String) throws -> Date { try #require(RFC3339.date(from: text)) }
private let berlin = TimeZone(identifier: "Europe/Berlin")!

/// The ticks `schedule` gives from `start`, `count` of them.
private func ticks(_ schedule: Schedule, from start: Date, count: Int) -> [Date] {
    var result: [Date] = []
    var last = start
    while result.count < count, let next = schedule.next(after: last) {
        result.append(next)
        last = next
    }
    return result
}

@Suite("Channel schedules")
struct ChannelScheduleTests {
    @Test func cronFieldsReadAsCronReadsThem() throws {
        let every = try CronExpression("*/10 * * * *")
        #expect(every.minutes == [0, 10, 20, 30, 40, 50])
        #expect(every.everyHour)
        let office = try CronExpression("0 9-17/2 * JAN,dec Mon-Fri")
        #expect(office.hours == [9, 11, 13, 15, 17])
        #expect(office.months == [1, 12])
        #expect(office.daysOfWeek == [1, 2, 3, 4, 5])
        #expect(!office.everyHour)
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        for (text, fragment) in [("* * * *", "five fields"), ("60 * * * *", "minute \"60\""), ("x * * * *", "minute \"x\""),
                                 ("5-1 * * * *", "low to high"), ("*/0 * * * *", "positive"), ("0 0 32 * *", "day of month \"32\"")] {
            #expect(throws: ScheduleError.self, "\(text)") { try CronExpression(text) }
            do { _ = try CronExpression(text) } catch { #expect(error.description.contains(fragment), "\(text): \(error)") }
        }
    }

    @Test func aDayFieldPairMatchesEitherDayAsCronDoes() throws {
        // The 13th, and every Friday.
        let schedule = Schedule(timing: .cron(try CronExpression("0 12 13 * fri")))
        let days = ticks(schedule, from: try at("2026-11-01T00:00:00Z"), count: 5).map { RFC3339.string(from: $0).prefix(10) }
        #expect(days == ["2026-11-06", "2026-11-13", "2026-11-20", "2026-11-27", "2026-12-04"])
        let thirteenth = Schedule(timing: .cron(try CronExpression("0 12 13 * *")))
        #expect(ticks(thirteenth, from: try at("2026-11-01T00:00:00Z"), count: 2).map { RFC3339.string(from: $0).prefix(10) } == ["2026-11-13", "2026-12-13"])
    }

    @Test func cronRunsOnTheWallClockOfItsTimeZone() throws {
        let schedule = Schedule(timing: .cron(try CronExpression("30 9 * * *")), timeZone: berlin)
        // 09:30 in Berlin is 08:30 UTC in winter and 07:30 UTC in summer.
        #expect(schedule.next(after: try at("2026-12-07T00:00:00Z")) == (try at("2026-12-07T08:30:00Z")))
        #expect(schedule.next(after: try at("2026-07-07T00:00:00Z")) == (try at("2026-07-07T07:30:00Z")))
        #expect(Schedule(timing: .cron(try CronExpression("*/10 * * * *"))).next(after: try at("2026-12-07T12:03:20Z")) == (try at("2026-12-07T12:10:00Z")))
    }

    /// Berlin skips 02:00–03:00 on 29 March 2026: a daily 02:30 runs once, at 03:00; every half
    /// hour runs every thirty minutes of real time.
    @Test func theSpringChangeSkipsNoTickAndDoublesNone() throws {
        let daily = Schedule(timing: .cron(try CronExpression("30 2 * * *")), timeZone: berlin)
        #expect(ticks(daily, from: try at("2026-03-28T12:00:00Z"), count: 2) == [try at("2026-03-29T01:00:00Z"), try at("2026-03-30T00:30:00Z")])
        let halfHourly = Schedule(timing: .cron(try CronExpression("*/30 * * * *")), timeZone: berlin)
        let times = ticks(halfHourly, from: try at("2026-03-28T23:00:00Z"), count: 8)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 1_800 }, "\(times)")
    }

    /// Berlin repeats 02:00–03:00 on 25 October 2026: a daily 02:30 runs the first time only;
    /// every half hour runs every thirty minutes of real time, through both passes.
    @Test func theAutumnChangeSkipsNoTickAndDoublesNone() throws {
        let daily = Schedule(timing: .cron(try CronExpression("30 2 * * *")), timeZone: berlin)
        #expect(ticks(daily, from: try at("2026-10-24T12:00:00Z"), count: 2) == [try at("2026-10-25T00:30:00Z"), try at("2026-10-26T01:30:00Z")])
        let halfHourly = Schedule(timing: .cron(try CronExpression("*/30 * * * *")), timeZone: berlin)
        let times = ticks(halfHourly, from: try at("2026-10-24T23:00:00Z"), count: 8)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 1_800 }, "\(times)")
    }

    @Test func outsideActiveHoursTheNextTickIsTheNextWindowsStart() throws {
        let office = Schedule(timing: .interval(seconds: 300), timeZone: berlin, activeHours: try Schedule.activeHours("08:00-18:00"),
                              days: try Schedule.weekdays(["mon", "tue", "wed", "thu", "fri"]))
        // Friday 4 December 2026, 17:58 in Berlin (16:58 UTC): the next interval falls after 18:00,
        // so the channel resumes on Monday at 08:00 (07:00 UTC).
        #expect(office.next(after: try at("2026-12-04T16:58:00Z")) == (try at("2026-12-07T07:00:00Z")))
        #expect(office.next(after: try at("2026-12-04T16:50:00Z")) == (try at("2026-12-04T16:55:00Z")))
        #expect(!office.isActive(at: try at("2026-12-05T11:00:00Z")), "Saturday")
        let hourly = Schedule(timing: .cron(try CronExpression("0 * * * *")), activeHours: try Schedule.activeHours("08:00-10:00"))
        #expect(hourly.next(after: try at("2026-12-07T09:30:00Z")) == (try at("2026-12-08T08:00:00Z")), "the end is not inside")
    }

    @Test func activeHoursEndingAtOrBeforeTheStartCrossMidnight() throws {
        let night = Schedule(timing: .interval(seconds: 60), activeHours: try Schedule.activeHours("22:00-06:00"), days: try Schedule.weekdays(["friday"]))
        #expect(night.isActive(at: try at("2026-12-04T22:00:00Z")), "Friday night")
        #expect(night.isActive(at: try at("2026-12-05T05:59:00Z")), "into Saturday morning")
        #expect(!night.isActive(at: try at("2026-12-05T06:00:00Z")))
        #expect(!night.isActive(at: try at("2026-12-05T22:30:00Z")), "Saturday night is not a Friday window")
        #expect(!night.isActive(at: try at("2026-12-04T21:59:00Z")))
        let allDay = try Schedule.activeHours("00:00-24:00")
        #expect(Schedule(timing: .interval(seconds: 60), activeHours: allDay).isActive(at: try at("2026-12-05T13:00:00Z")))
    }

    @Test func badScheduleTextSaysWhatIsExpected() {
        for text in ["8-18", "25:00-01:00", "08:00", "8:5-9:00"] {
            #expect(throws: ScheduleError.self, "\(text)") { try Schedule.activeHours(text) }
        }
        #expect(throws: ScheduleError.self) { try Schedule.weekdays(["funday"]) }
        #expect(throws: ScheduleError.self) { try Schedule.timeZone("Mars/Olympus") }
        #expect(throws: ScheduleError.self) { try Schedule.timeZone("CEST") }
    }
}

@Suite("Channel configuration")
struct ChannelConfigurationTests {
    let prompts = #"{"default": {"system": "s", "user": "u"}, "haiku_bot": {"system": "hs", "user": "hu"}, "tech_explainer": {"system": "ts", "user": "tu"}}"#

    @Test func withoutChannelsThereIsTheDefaultChannelOfTheTickerSettings() throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", prompts)
        let configuration = try workspace.load(config: #"{"ticker": {"interval_seconds": 90, "dedupe_window": 7}}"#, environment: ["PROMPT_PROFILE": "tech_explainer"])
        #expect(configuration.channels.map(\.name) == ["default"])
        let channel = configuration.channels[0]
        #expect(channel.profile == "tech_explainer")
        #expect(channel.systemPrompt == "ts")
        #expect(channel.schedule == Schedule(timing: .interval(seconds: 90)))
        #expect(channel.dedupeWindow == 7)
        #expect(channel.providers == nil)
    }

    @Test func channelsTakeTheirOwnValuesAndTheTickersForTheRest() throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", prompts)
        let configuration = try workspace.load(config: """
            {"plugins": {"offline": {}, "mock": {}},
             "ticker": {"retention": 500, "max_message_length": 200},
             "channels": {
               "haiku": {"profile": "haiku_bot", "schedule": {"cron": "*/10 * * * *", "time_zone": "Europe/Berlin",
                         "active_hours": "08:00-18:00", "days": ["mon", "tue", "wed", "thu", "fri"]}},
               "tech": {"prompts": {"system": "own s", "user": "own u"}, "schedule": {"interval_seconds": 300},
                        "providers": ["mock", "offline"], "dedupe_window": 3, "max_message_length": 120}
             }}
            """, environment: ["CHANNELS_TECH_RETENTION": "50"], overrides: ["channels.haiku.schedule.active_hours": .string("09:00-17:00")])
        #expect(configuration.channels.map(\.name) == ["default", "haiku", "tech"])
        let haiku = configuration.channels[1], tech = configuration.channels[2]
        #expect(haiku.profile == "haiku_bot")
        #expect((haiku.systemPrompt, haiku.userPrompt) == ("hs", "hu"))
        #expect(haiku.schedule == Schedule(timing: .cron(try CronExpression("*/10 * * * *")), timeZone: berlin,
                                           activeHours: .init(start: 540, end: 1_020), days: [1, 2, 3, 4, 5]))
        #expect(haiku.retention == 500)
        #expect(haiku.maxMessageLength == 200)
        #expect(tech.profile == "custom")
        #expect((tech.systemPrompt, tech.userPrompt) == ("own s", "own u"))
        #expect(tech.providers == ["mock", "offline"])
        #expect((tech.dedupeWindow, tech.retention, tech.maxMessageLength) == (3, 50, 120))
        let sources = Dictionary(configuration.effective.map { ($0.key, $0.source) }, uniquingKeysWith: { $1 })
        #expect(sources["channels.haiku.schedule.active_hours"] == "runtime")
        #expect(sources["channels.tech.retention"] == "environment")
        #expect(sources["channels.tech.providers"] == "file")
    }

    @Test func aChannelThatCannotRunIsAnErrorNamingItsKey() throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", prompts)
        for (channels, fragment) in [
            (#"{"lobby": {"profile": "nope"}}"#, #"channels.lobby.profile: profile "nope" not found; available: default, haiku_bot, tech_explainer"#),
            (#"{"lobby": {"providers": ["offline", "ghost"]}}"#, #"channels.lobby.providers: no provider entry "ghost"; entries: offline"#),
            (#"{"lobby": {"providers": []}}"#, "lists no provider"),
            (#"{"lobby": {"schedule": {"interval_seconds": 60, "cron": "* * * * *"}}}"#, "interval_seconds or cron, not both"),
            (#"{"lobby": {"schedule": {"cron": "61 * * * *"}}}"#, #"minute "61" is outside 0–59"#),
            (#"{"lobby": {"schedule": {"time_zone": "Mars/Base"}}}"#, "not a time zone"),
            (#"{"lobby": {"schedule": {"days": ["mon", "someday"]}}}"#, "\"someday\" is not a day"),
            (#"{"Lobby Screen": {}}"#, "a channel name is 1 to 64 lowercase letters"),
        ] {
            let error = #expect(throws: ConfigurationError.self, "\(channels)") {
                try workspace.load(config: #"{"plugins": {"offline": {}}, "channels": \#(channels)}"#)
            }
            #expect(error.map { "\($0)" }?.contains(fragment) == true, "\(channels): \(error.map { "\($0)" } ?? "")")
        }
    }

    @Test func anUnknownChannelKeyIsAWarningWithASuggestion() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: #"{"channels": {"lobby": {"schedule": {"intervall_seconds": 60}, "colour": "red"}}}"#)
        let warnings = configuration.warnings.map { "\($0)" }
        #expect(warnings.contains { $0.contains("channels.lobby.schedule.intervall_seconds") && $0.contains("did you mean \"interval_seconds\"") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("channels.lobby.colour") }, "\(warnings)")
    }

    @Test func anOverrideOfAChannelTheFileNoLongerHasIsAWarning() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: #"{"channels": {"lobby": {}}}"#,
                                               overrides: ["channels.cafe.schedule.interval_seconds": .number(60),
                                                           "channels.lobby.schedule.interval_seconds": .number(90)])
        let warnings = configuration.warnings.map { "\($0)" }
        #expect(warnings.contains { $0.contains("channels.cafe.schedule.interval_seconds") && $0.contains("no such channel; channels: default, lobby")
            && $0.contains("ai-ticker config unset channels.cafe.schedule.interval_seconds") }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("channels.lobby") }, "\(warnings)")
        #expect(configuration.channels.first { $0.name == "lobby" }?.schedule.timing == .interval(seconds: 90))
    }
}
