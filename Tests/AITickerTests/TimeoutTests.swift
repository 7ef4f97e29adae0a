import Testing
@testable import TickerCore

/// `withTimeout` bounds every provider call, health check and plugin check.
@Suite("Timeouts")
struct TimeoutTests {
    @Test func aBodyThatEndsInTimeIsReturnedAndOneThatDoesNotTimesOut() async throws {
        #expect(try await withTimeout(seconds: 5) { 42 } == 42)
        // The body would return after 30 s: the error says the timeout ended it first.
        await #expect(throws: TimeoutError(seconds: 0.2)) {
            try await withTimeout(seconds: 0.2) { try await Task.sleep(for: .seconds(30)); return 0 }
        }
    }

    /// A tick's timeout must not outlive the tick: 2,000 hour-long timeouts around bodies that
    /// end at once leave no timer set (other tests running meanwhile may hold a few).
    @Test func aTimeoutThatIsNotReachedGivesItsTimerBack() async throws {
        let before = Alarm.armed.load(ordering: .relaxed)
        for index in 0..<2_000 {
            #expect(try await withTimeout(seconds: 3_600) { index } == index)
        }
        let left = Alarm.armed.load(ordering: .relaxed) - before
        #expect(left < 200, "\(left) timers still set")
    }
}
