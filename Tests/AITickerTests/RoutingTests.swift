import Foundation
import Testing
@testable import AITicker
@testable import TickerProviders
@testable import TickerRuntime

/// `allowsCall` mutates (open → half-open), which `#expect` cannot wrap directly.
private func allows(_ breaker: inout CircuitBreaker, at now: Date) -> Bool {
    breaker.allowsCall(now: now)
}

@Suite("Similarity and circuit breaker")
struct RoutingTests {
    @Test func similarityIsTheIndelRatioOnNormalisedText() {
        #expect(Similarity.ratio("Hello   World", "hello world") == 100)
        #expect(Similarity.ratio("abcd", "abce") == 75)
        #expect(Similarity.ratio("abc", "xyz") == 0)
        #expect(Similarity.ratio("", "abc") == 0)
    }

    @Test func theCircuitOpensAfterConsecutiveFailuresAndHalfOpensAfterTheCooldown() {
        var breaker = CircuitBreaker(failureThreshold: 3, baseCooldown: 10)
        let start = Date()
        for _ in 0..<2 { breaker.recordFailure(.unavailable("down"), now: start) }
        #expect(breaker.state == .closed)
        #expect(allows(&breaker, at: start))
        breaker.recordFailure(.timeout, now: start)
        #expect(breaker.state == .open)
        #expect(!allows(&breaker, at: start.addingTimeInterval(5)))
        #expect(allows(&breaker, at: start.addingTimeInterval(11)))
        #expect(breaker.state == .halfOpen)
        breaker.recordFailure(.timeout, now: start.addingTimeInterval(11))
        #expect(breaker.state == .open)
        #expect(!allows(&breaker, at: start.addingTimeInterval(25)), "second opening doubles the cooldown")
        #expect(allows(&breaker, at: start.addingTimeInterval(32)))
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveFailures == 0)
    }

    @Test func aRateLimitHintSetsTheCooldownCapped() {
        var breaker = CircuitBreaker(failureThreshold: 3, baseCooldown: 10)
        let now = Date()
        breaker.recordFailure(.rateLimited(retryAfter: 42), now: now)
        #expect(breaker.cooldownUntil == now.addingTimeInterval(42))
        breaker.recordFailure(.rateLimited(retryAfter: 100_000), now: now)
        #expect(breaker.cooldownUntil == now.addingTimeInterval(900))
        breaker.recordFailure(.unauthorized("bad key"), now: now)
        #expect(breaker.cooldownUntil == now.addingTimeInterval(1_800))
    }

    @Test func theOfflineProviderNeverRepeatsBackToBack() async throws {
        #expect(Set(OfflineCorpus.messages).count >= 300)
        let provider = OfflineProvider(model: "m", messages: ["a", "b", "c"])
        var previous = ""
        var seen = Set<String>()
        for _ in 0..<300 {
            let content = try await provider.generateMessage(systemPrompt: "", userPrompt: "").content
            #expect(content != previous)
            previous = content
            seen.insert(content)
        }
        #expect(seen == ["a", "b", "c"])
    }

    @Test func theOfflineProviderPassesOverRecentlyStoredMessages() async throws {
        let provider = OfflineProvider(model: "m", messages: ["a", "b", "c", "d"], recent: { _ in ["a", "b"] })
        var seen: [String] = []
        for _ in 0..<20 { seen.append(try await provider.generateMessage(systemPrompt: "", userPrompt: "").content) }
        #expect(Set(seen) == ["c", "d"])
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 != $1 })
    }
}
