import Foundation
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerProviders

/// A ticker shows one line of text: answers are cleaned and bounded, and what plugins write can
/// neither flood the log nor stall a tick.
@Suite("Content bounds")
struct ContentBoundsTests {
    @Test func controlCharactersAreRemovedBeforeAnAnswerIsStored() async throws {
        let workspace = try TestWorkspace()
        let raw = "Markets\\u001b[2J rise\\r\\nas\\u0000 rates\\u202e fall\\t\\u0007today"
        let config = pluginConfig(#"{"m": {"plugin": "mock", "config": {"extra_params": {"content": "\#(raw)"}}}}"#)
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
        #expect(message.content == "Markets[2J rise as rates fall today")
        #expect(try await services.store.latest()?.content == message.content)
        await services.shutdown()
    }

    @Test func anAnswerLongerThanTheLimitIsABadResponse() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"long": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "\#(String(repeating: "word ", count: 200))"}}}, "offline": {"priority": 2}}"#)
        let (services, _) = try await workspace.services(config: config, environment: ["TICKER_MAX_MESSAGE_LENGTH": "300"])
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected the next provider"); return }
        #expect(message.provider == "offline")
        let rejected = try #require(message.attempts.first)
        #expect(rejected.outcome == .rejected && rejected.errorClass == .badResponse)
        #expect(rejected.detail == "999 characters, more than ticker.max_message_length (300)")
        await services.shutdown()
    }

    @Test func logLinesShowControlCharactersAsEscapes() {
        #expect(MessageText.visible("a\u{1B}[2Jb\r\nc\u{202E}d") == #"a\x1b[2Jb\x0d\x0ac\u{202e}d"#)
        #expect(MessageText.visible("plain – text ✓") == "plain – text ✓")
        #expect(MessageText.clean("👨‍👩‍👧 family\u{00A0}day") == "👨‍👩‍👧 family day", "joiners in emoji stay")
    }

    @Test func aPluginFloodingStderrIsRateLimitedInTheLog() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "chatty", generate: """
            for i in range(5000):
                print("noise \\x1b[31m" + str(i), file=sys.stderr)
            sys.stderr.flush()
            return {"content": "done talking"}
            """)
        let capture = LogCapture()
        let config = #"{"plugins": {"c": {"plugin": "chatty"}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins"))"]}, "ticker": {"dedupe_window": 0}}"#
        let (services, _) = try await workspace.services(config: config, logger: capture.logger)
        guard case .stored = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
        try await Task.sleep(for: .milliseconds(1_200))
        _ = await services.ticks.tick(trigger: .manual)  // a line after the window reports what was dropped
        await services.shutdown()
        let noise = capture.store.all.filter { $0.contains("noise") }
        #expect(noise.count <= PluginProcess.stderrLinesPerSecond * 3, "\(noise.count) lines logged")
        #expect(noise.allSatisfy { !$0.contains("\u{1B}") && $0.contains(#"\x1b[31m"#) }, "escapes are shown, not sent to the terminal")
        #expect(capture.store.all.contains { $0.contains("lines dropped") })
    }

    @Test func invalidUTF8FromAPluginFailsTheAttemptAtOnce() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "mangled", generate: """
            sys.stdout.buffer.write(b'{"jsonrpc": "2.0", "id": 1, "result": {"content": "\\xff\\xfe"}}\\n')
            sys.stdout.flush()
            return None
            """)
        let services = try await workspace.externalServices(#"{"m": {"plugin": "mangled"}}"#, timeout: 20)
        let started = ContinuousClock.now
        guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a failure"); return }
        let elapsed = ContinuousClock.now - started
        #expect(attempts.map(\.errorClass) == [.badResponse])
        #expect(elapsed < .seconds(10), "not the 20 s timeout: \(elapsed)")
        await services.shutdown()
    }
}
