import Foundation
import Testing
@testable import AITicker
@testable import TickerProviders

/// The repository's root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The code block that follows `<!-- sample: NAME -->` in a document.
func sample(_ name: String, in document: String) throws -> String {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent(document), encoding: .utf8)
    let marker = try #require(text.range(of: "<!-- sample: \(name) -->"))
    let fenceStart = try #require(text.range(of: "```", range: marker.upperBound..<text.endIndex))
    let codeStart = try #require(text.range(of: "\n", range: fenceStart.upperBound..<text.endIndex)).upperBound
    let fenceEnd = try #require(text.range(of: "\n```", range: codeStart..<text.endIndex))
    return String(text[codeStart..<fenceEnd.lowerBound]) + "\n"
}

@Suite("The plugin author's guide", .serialized)
struct DocsTests {
    @Test func theGuidesPythonPluginValidatesAndServesATick() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/words/plugin.json", try sample("plugin.json", in: "docs/writing-a-provider.md"))
        try workspace.write("plugins/words/plugin.py", try sample("plugin.py", in: "docs/writing-a-provider.md"))
        // A generous timeout: under the whole suite on two cores, starting Python took over 10 s once.
        let (name, problems) = await PluginCheck.validate(directory: workspace.path("plugins/words"), timeout: 30)
        #expect(name == "word-of-the-day")
        #expect(problems == [])
        let services = try await workspace.externalServices(#"{"w": {"plugin": "word-of-the-day"}}"#)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content.hasPrefix("Word of the day: "))
        await services.shutdown()
    }

    @Test func theGuidesOriginalStylePythonSampleServesATick() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/moon_phase.py", try sample("guide_plugin.py", in: "docs/writing-a-provider.md"))
        let services = try await workspace.guideServices(#"{"moon_phase": {"config": {"name": "Moon", "model": "synodic-1"}}}"#)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content.hasPrefix("The moon is "))
        #expect(services.configuration.plugins.listings.first { $0.name == "moon_phase" }?.metadata?.displayName == "Moon phase")
        await services.shutdown()
    }

    /// The guardrail of section 6, with the rule it shows: its extra word blocks, a calm line passes.
    @Test func theGuidesGuardrailSampleBlocksAndAllows() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/custom/profanity_guard.py", try sample("guardrail.py", in: "docs/writing-a-provider.md"))
        let config = #"""
            {"plugins": {"house": {"plugin": "mock", "priority": 1, "config": {"extra_params": {"content": "Darn the rain {uuid}"}}},
                         "calm": {"plugin": "mock", "priority": 2, "config": {"extra_params": {"content": "A calm line {uuid}"}}}},
             "ticker": {"dedupe_window": 0}, \#(GuardrailPluginTests.settings(workspace)),
             "guardrails": {"rules": [{"name": "profanity", "type": "plugin", "plugin": "profanity_guard",
                                       "config": {"extra_words": ["darn"]}, "timeout": 30, "on_error": "hold"}]}}
            """#
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); await services.shutdown(); return }
        #expect(message.provider == "calm" && message.attempts.first?.errorClass == .guardrail)
        await services.shutdown()
    }

    @Test func theGuidesSwiftSampleIsTheCompiledExample() throws {
        let example = try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/CustomTicker/main.swift"), encoding: .utf8)
        #expect(try sample("Examples/CustomTicker/main.swift", in: "docs/writing-a-provider.md") == example)
    }

    /// The JSON Schema in docs/ and the validator in the service agree on valid and invalid manifests.
    @Test func theSchemaAndTheValidatorAgree() async throws {
        let python = repositoryRoot.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/setup-peers first")
        let valid = try sample("plugin.json", in: "docs/writing-a-provider.md")
        let manifests: [String] = [
            valid,
            try String(contentsOf: repositoryRoot.appendingPathComponent("plugins/custom/calendar-facts/plugin.json"), encoding: .utf8),
            valid.replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "x""#),
            valid.replacingOccurrences(of: #""api_version": "v1""#, with: #""api_version": "v2""#),
            valid.replacingOccurrences(of: #""name": "word-of-the-day""#, with: #""name": "Word Of The Day""#),
            valid.replacingOccurrences(of: #""category": "custom""#, with: #""category": "mine""#),
            valid.replacingOccurrences(of: #""license": "MIT""#, with: #""licence": "MIT""#),
            valid.replacingOccurrences(of: #""command": ["python3", "plugin.py"]"#, with: #""command": []"#),
            valid.replacingOccurrences(of: #""author": "you","#, with: ""),
            valid.replacingOccurrences(of: #""requires": []"#, with: #""requires": "none""#),
        ]
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            for text in json.load(sys.stdin):
                print("valid" if jsonschema.Draft202012Validator(schema).is_valid(json.loads(text)) else "invalid")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, repositoryRoot.appendingPathComponent("docs/plugin.schema.json").path]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let request = try JSONEncoder().encode(manifests)
        let verdicts = try await offThePool {
            input.fileHandleForWriting.write(request)
            try input.fileHandleForWriting.close()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return text.split(separator: "\n").map(String.init)
        }
        let ours = manifests.map { text in
            PluginManifest.parse(Data(text.utf8), directory: repositoryRoot, environment: ["PATH": "/usr/bin:/bin"]).errors.isEmpty ? "valid" : "invalid"
        }
        #expect(verdicts == ours)
        #expect(ours.prefix(2) == ["valid", "valid"])
        #expect(ours.dropFirst(2).allSatisfy { $0 == "invalid" })
    }
}
