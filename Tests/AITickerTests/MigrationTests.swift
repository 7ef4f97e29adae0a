import Foundation
import Testing
@testable import AITicker
@testable import TickerStorage

@Suite("Moving over from AI-Ticker: history, fallback, mock, manual ticks")
struct MigrationTests {
    @Test func anEmptyDatabaseImportsTheMessageCacheOldestFirstOnce() async throws {
        let workspace = try TestWorkspace()
        let cache = try workspace.write("message_cache.json", #"["The oldest line", "  ", "A middle line", "The newest line"]"#)
        let config = pluginConfig(#"{"down": {"plugin": "mock", "config": {"extra_params": {"failure": "unavailable"}}}}"#)
        let (services, _) = try await workspace.services(config: config, environment: ["CACHE_FILE": cache])
        let stored = try await services.store.messages(limit: 10, before: nil)
        #expect(stored.map(\.content) == ["The newest line", "A middle line", "The oldest line"])
        #expect(stored.allSatisfy { $0.source == .imported && $0.provider == "import" })
        #expect(services.latest.snapshot?.message.content == "The newest line")
        await services.shutdown()

        let again = try await MessageImport.run(path: cache, store: services.store, ticker: services.configuration.value.ticker)
        #expect(again.imported == 0)
        #expect(again.alreadyPresent == 3)
        #expect(again.blank == 1)
        try workspace.write("message_cache.json", #"["The newest line", "One more from the old ticker"]"#)
        let more = try await MessageImport.run(path: cache, store: services.store, ticker: services.configuration.value.ticker)
        #expect(more.imported == 1)
        #expect(try await services.store.latest()?.content == "One more from the old ticker")
    }

    /// The first-start import, `ai-ticker import` and a tick clean and bound text by one rule
    /// (`MessageText.accept`): line breaks and tabs become spaces, ESC, BEL and NUL go (and the text
    /// after a NUL stays), and a line longer than `ticker.max_message_length` is rejected by position.
    @Test func everyWayInCleansAndBoundsTextByTheSameRule() async throws {
        let workspace = try TestWorkspace()
        let items = ["line one\nline two\ttabbed", "\u{1b}[31mred\u{1b}[0m", "\u{1b}]0;title\u{07}after osc", "before\u{0}after",
                     String(repeating: "x", count: 6_000), " \n\t ", "fine"]
        let cache = workspace.path("message_cache.json")
        try JSONEncoder().encode(items).write(to: URL(fileURLWithPath: cache))
        let config = pluginConfig(#"{"echo": {"plugin": "mock", "config": {"extra_params": {"content": "tick\nwith\u001b[2Jcontrols"}}}}"#)
        let (services, _) = try await workspace.services(config: config, environment: ["CACHE_FILE": cache])
        let stored = try await services.store.messages(limit: 10, before: nil).map(\.content)
        let cleaned = ["fine", "beforeafter", "]0;titleafter osc", "[31mred[0m", "line one line two tabbed"]
        #expect(stored == cleaned, "the first-start import")
        let again = try await MessageImport.run(path: cache, store: services.store, ticker: services.configuration.value.ticker)
        #expect(again.alreadyPresent == 5, "ai-ticker import cleans the same way, so the cleaned lines are found again")
        #expect(again.rejected.map(\.position) == [5, 6])
        #expect(again.rejected.first?.reason == "6000 characters, more than ticker.max_message_length (400)")
        #expect(again.rejected.last?.reason == "empty content")
        guard case .stored(let ticked) = await services.ticks.tick(trigger: .manual) else { Issue.record("the tick stores"); return }
        #expect(ticked.content == "tick with[2Jcontrols", "a tick's answer by the same rule")
        await services.shutdown()
    }

    /// `ai-ticker messages` and `ai-ticker import` never write a control character to the
    /// terminal, whatever an older version stored; rejected items are reported by position.
    @Test func theCommandLineEscapesControlCharactersAndReportsRejectedItems() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(#"{"m": {"plugin": "mock"}}"#))
        // Rows written before cleaning applied to imports (the store itself stores what it is given).
        _ = try await services.store.importMessages(["\u{1b}]0;pwned\u{07}title", "two\nlines\r\u{1b}[2J"], profile: "default", retention: 100)
        await services.shutdown()
        let listing = try ServiceProcess(arguments: ["messages", "--db", workspace.path("ticker.sqlite")], directory: workspace.url)
        #expect(try await listing.exitStatus() == 0, "\(listing.log)")
        #expect(!listing.log.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "no control character reaches the terminal: \(listing.log)")
        #expect(listing.log.contains(#"\x1b]0;pwned\x07title"#))
        #expect(listing.log.contains(#"two\x0alines\x0d\x1b[2J"#), "a stored line break stays inside its row")

        let cache = workspace.path("old_cache.json")
        try JSONEncoder().encode(["ok line", String(repeating: "y", count: 401), ""]).write(to: URL(fileURLWithPath: cache))
        let importing = try ServiceProcess(arguments: ["import", cache, "--db", workspace.path("ticker.sqlite")], directory: workspace.url)
        #expect(try await importing.exitStatus() == 0, "\(importing.log)")
        #expect(importing.log.contains("item 2 not imported: 401 characters, more than ticker.max_message_length (400)"), "\(importing.log)")
        #expect(importing.log.contains("item 3 not imported: empty content"))
        #expect(importing.log.contains("imported 1, already stored 0, rejected 2"))
    }

    @Test func aMalformedCacheIsAClearErrorThatChangesNothing() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(#"{"m": {"plugin": "mock"}}"#))
        for (text, expected) in [("{\"messages\": []}", "expected a JSON list of strings, found an object"),
                                 (#"["fine", 42]"#, "item 2 is a number, expected a string"),
                                 ("[\"unterminated", "not valid JSON; expected a list of strings")] {
            let path = try workspace.write("bad_cache.json", text)
            let error = await #expect(throws: MessageImport.ImportError.self) {
                try await MessageImport.run(path: path, store: services.store, ticker: services.configuration.value.ticker)
            }
            #expect(error?.description == "\(path): \(expected)")
        }
        #expect(try await services.store.latest() == nil)
        await services.shutdown()
    }

    @Test func useCacheRepublishesFromTheSecondMessageOnAndSaysSoEverywhere() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"flaky": {"plugin": "mock", "config": {"extra_params": {"content": "message {uuid}"}}}}"#,
                                  global: #""fallback_behavior": "use_cache""#)
        try await workspace.withApp(config: config) { services, _, client in
            func enable(_ on: Bool) async throws {
                try await services.store.setOverrides(["plugins.flaky.enabled": .bool(on)])
                _ = try await services.reloads.reload()
            }
            guard case .stored(let first) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
            try await enable(false)
            guard case .failed = await services.ticks.tick(trigger: .manual) else { Issue.record("one message: nothing else to show"); return }
            try await enable(true)
            guard case .stored(let second) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
            try await enable(false)
            guard case .archived(let message, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected archive"); return }
            #expect(message.content == first.content, "the one besides the latest")
            let summary = try await client.execute(uri: "/api/message", method: .get).json
            #expect(summary["source"] == .string("archive"))
            #expect(summary["message"] == .string(first.content))
            guard case .archived(let next, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected archive"); return }
            #expect(next.content == second.content, "never the message already on screen")
            let script = try await client.execute(uri: "/assets/ticker.js", method: .get).text
            #expect(script.contains("current.source"), "the page labels what is not new (scripts/browser-check sees it rendered)")
        }
    }

    @Test func theMockDealsDistinctLinesThatPassTheDefaultDeduplication() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services(config: pluginConfig(#"{"demo": {"plugin": "mock"}}"#,
                                                                             ticker: #""dedupe_window": 200, "fuzzy_threshold": 85"#))
        for round in 1...250 {
            guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else {
                Issue.record("tick \(round) stored nothing")
                return
            }
            #expect(message.provider == "demo")
        }
        await services.shutdown()
    }

    @Test func aManualTickDuringATickWaitsForItAndAnswersWithItsOutcome() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"slow": {"plugin": "mock", "config": {"extra_params": {"latency_ms": 400, "content": "slow answer {n}"}}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            async let timer = services.ticks.tick(trigger: .timer)
            try await Task.sleep(for: .milliseconds(100))
            let response = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
            #expect(response.status == .created)
            guard case .stored(let message) = await timer else { Issue.record("the timer tick stored nothing"); return }
            #expect(response.json["id"] == .number(Double(message.id)), "the answer is the running tick's message")
            #expect(response.json["content"] == .string("slow answer 1"))
            #expect(await services.ticks.skippedTicks == 0)
        }
    }
}
