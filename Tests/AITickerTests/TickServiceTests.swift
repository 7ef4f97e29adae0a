import Foundation
import Testing
@testable import AITicker

@Suite("Tick pipeline")
struct TickServiceTests {
    @Test func theLowestPriorityNumberIsAskedFirst() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"second": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "from second"}}},
             "first": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "from first"}}}}
            """))
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == "from first")
        #expect(message.provider == "first")
    }

    @Test func aFailingProviderFallsThroughToTheNextInTheSameTick() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"broken": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"failure": "unavailable"}}},
             "empty": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"failure": "empty"}}},
             "backup": {"plugin": "mock", "priority": 3, "config": {"extra_params": {"content": "backup answer"}}}}
            """))
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == "backup answer")
        #expect(message.attempts.map(\.provider) == ["broken", "empty", "backup"])
        #expect(message.attempts.map(\.outcome) == [.failure, .rejected, .success])
        #expect(message.attempts[0].errorClass == .unavailable)
        #expect(message.attempts[1].detail == "empty content")
        let stored = try await services.store.message(id: message.id)
        #expect(stored.attempts == message.attempts)
    }

    @Test func aHangingProviderTimesOutPerAttempt() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"slow": {"plugin": "mock", "priority": 1, "config": {"timeout": 0.2, "extra_params": {"failure": "hang"}}},
             "fast": {"plugin": "mock", "priority": 2}}
            """))
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.provider == "fast")
        #expect(message.attempts[0].errorClass == .timeout)
        #expect(message.attempts[0].durationMs < 5_000)
    }

    @Test func aNearDuplicateIsRejectedAndTheNextProviderTried() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"parrot": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "The same message every single time"}}},
             "fresh": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "Fresh words number {n}"}}}}
            """, ticker: #""dedupe_window": 10, "fuzzy_threshold": 85"#))
        guard case .stored(let first) = await services.ticks.tick(trigger: .manual) else { Issue.record("no first"); return }
        #expect(first.provider == "parrot")
        guard case .stored(let second) = await services.ticks.tick(trigger: .manual) else { Issue.record("no second"); return }
        #expect(second.provider == "fresh")
        #expect(second.attempts.first?.errorClass == .duplicate)
    }

    @Test func overlappingTicksAreSkippedAndCounted() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(#"{"slow": {"plugin": "mock", "config": {"extra_params": {"latency_ms": 300}}}}"#))
        async let first = services.ticks.tick(trigger: .manual)
        try await Task.sleep(for: .milliseconds(50))
        let second = await services.ticks.tick(trigger: .manual)
        guard case .skipped = second else { Issue.record("second tick was not skipped"); return }
        guard case .stored = await first else { Issue.record("first tick did not store"); return }
        #expect(await services.ticks.skippedTicks == 1)
    }

    @Test func whenAllFailKeepLastStoresNothingButRecordsTheTick() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(#"{"down": {"plugin": "mock", "config": {"extra_params": {"failure": "unavailable"}}}}"#))
        guard case .failed(let attempts, let noProvider) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected failure"); return }
        #expect(!noProvider)
        #expect(attempts.map(\.errorClass) == [.unavailable])
        #expect(try await services.store.latest() == nil)
        #expect(try await services.store.recentTicks(limit: 1).first?.outcome == .failed)
    }

    @Test func whenAllFailUseCacheRepublishesAnArchivedMessage() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(
            #"{"flaky": {"plugin": "mock", "config": {"extra_params": {"content": "message {n}"}}}}"#,
            global: #""fallback_behavior": "use_cache""#))
        for _ in 0..<12 { _ = await services.ticks.tick(trigger: .manual) }
        try await services.store.setOverrides(["plugins.flaky.enabled": .bool(false)])
        _ = try await services.reloads.reload()
        guard case .archived(let message, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected archive"); return }
        #expect(message.source == .archive)
        #expect(message.id == 13)
        #expect(["message 1", "message 2"].contains(message.content))
        #expect(services.latest.snapshot?.message.id == 13)
    }

    @Test func aProviderWhoseCircuitOpenedIsSkippedWithItsReason() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"down": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"failure": "unavailable"}}},
             "up": {"plugin": "mock", "priority": 2}}
            """, global: #""fallback_behavior": "keep_last", "circuit_failure_threshold": 2, "circuit_cooldown_seconds": 600"#))
        for _ in 0..<2 { _ = await services.ticks.tick(trigger: .manual) }
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.attempts.first?.outcome == .skipped)
        #expect(message.attempts.first?.errorClass == .cooldown)
        let down = await services.providerStatuses().first { $0.id == "down" }
        #expect(down?.health.circuit == .open)
        #expect(down?.selected == false)
    }

    @Test func reloadKeepsCircuitStateOfUnchangedProviders() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig("""
            {"down": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"failure": "unavailable"}}},
             "up": {"plugin": "mock", "priority": 2}}
            """, global: #""circuit_failure_threshold": 1, "circuit_cooldown_seconds": 600"#)
        let (services, _) = try await workspace.services(config: config)
        _ = await services.ticks.tick(trigger: .manual)
        let report = try await services.reloads.reload()
        #expect(report.diff.unchanged.sorted() == ["down", "up"])
        #expect(report.providers.first { $0.id == "down" }?.health.circuit == .open)
    }

    @Test func onlyRestrictsATickToOneProvider() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"a": {"plugin": "mock", "priority": 1}, "b": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "from b"}}}}
            """))
        guard case .stored(let message) = await services.ticks.tick(trigger: .cli, only: "b") else { Issue.record("no message"); return }
        #expect(message.content == "from b")
    }
}

@Suite("Tick pipeline with HTTP vendors")
struct VendorTickTests {
    @Test func aRateLimitedVendorIsCooledDownForItsHintAndTheNextOneServes() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            let (services, _) = try await workspace.services(config: pluginConfig("""
                {"primary": {"plugin": "openai-compatible", "priority": 1, "config": {"base_url": "\(base)/v1", "model": "gpt-test", "api_key": "${K}"}},
                 "backup": {"plugin": "anthropic", "priority": 2, "config": {"base_url": "\(base)/anthropic", "api_key": "${K}"}}}
                """), environment: ["K": testKey])
            vendor.script(.json(429, #"{"error":{"message":"rate limited"}}"#, headers: [("retry-after", "120")]))
            guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
            #expect(message.provider == "backup")
            #expect(message.providerName == "anthropic")
            #expect(message.content == "Hello from Claude number 2")
            #expect(message.attempts.map(\.errorClass) == [.rateLimited, nil])
            let primary = await services.providerStatuses().first { $0.id == "primary" }
            let cooldown = try #require(primary?.health.cooldownUntil)
            #expect(cooldown.timeIntervalSinceNow > 100 && cooldown.timeIntervalSinceNow <= 120)
            guard case .stored(let next) = await services.ticks.tick(trigger: .manual) else { Issue.record("no second message"); return }
            #expect(next.attempts.first?.outcome == .skipped, "the cooled-down vendor is not asked again")
            #expect(vendor.requests.filter { $0.path == "/v1/chat/completions" }.count == 1)
        }
    }

    @Test func garbageFromAVendorIsNeverStored() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            let (services, _) = try await workspace.services(config: pluginConfig("""
                {"v": {"plugin": "openai-compatible", "config": {"base_url": "\(base)/v1", "model": "m"}}}
                """))
            vendor.script(.json(200, #"{"choices":[{"message":{"content":""},"finish_reason":"stop"}]}"#),
                          .raw(200, contentType: "text/html", Data("<h1>oops</h1>".utf8)))
            for _ in 0..<2 {
                guard case .failed = await services.ticks.tick(trigger: .manual) else { Issue.record("expected failure"); return }
            }
            #expect(try await services.store.latest() == nil)
            #expect(try await services.store.recentTicks(limit: 2).flatMap(\.attempts).map(\.errorClass) == [.badResponse, .badResponse])
        }
    }
}

@Suite("Failover edge cases")
struct FailoverEdgeTests {
    @Test func whenEveryCircuitIsOpenTheBestProviderIsTriedAnyway() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"a": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"failure": "unavailable", "failure_rate": 1}}},
             "b": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"failure": "unavailable"}}}}
            """, global: #""fallback_behavior": "keep_last", "circuit_failure_threshold": 1, "circuit_cooldown_seconds": 600"#))
        _ = await services.ticks.tick(trigger: .manual)
        let statuses = await services.providerStatuses()
        #expect(statuses.allSatisfy { $0.health.circuit == .open })
        guard case .failed(let attempts, let noProvider) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected failure"); return }
        #expect(!noProvider)
        #expect(attempts.filter { $0.outcome == .skipped }.map(\.provider) == ["a", "b"])
        #expect(attempts.filter { $0.outcome == .failure }.map(\.provider) == ["a"], "the best one is tried although its circuit is open")
    }

    @Test func theWholeTickHasADeadline() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig("""
            {"slow1": {"plugin": "mock", "priority": 1, "config": {"timeout": 30, "extra_params": {"failure": "hang"}}},
             "slow2": {"plugin": "mock", "priority": 2, "config": {"timeout": 30, "extra_params": {"failure": "hang"}}}}
            """, ticker: #""dedupe_window": 0, "tick_deadline_seconds": 1"#))
        let start = ContinuousClock.now
        guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected failure"); return }
        #expect(start.duration(to: .now) < .seconds(10))
        #expect(attempts.map(\.errorClass) == [.timeout, .deadline])
    }
}
