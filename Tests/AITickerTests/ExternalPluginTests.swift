import Foundation
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerProviders

/// A config whose plugins come from `workspace/plugins`.
func externalConfig(_ plugins: String, timeout: Int = 3) -> String {
    pluginConfig(plugins, global: #""fallback_behavior": "keep_last", "custom_plugin_paths": ["PLUGINS"], "plugin_timeout": \#(timeout)"#)
}

extension TestWorkspace {
    func externalServices(_ plugins: String, timeout: Int = 3, environment: [String: String] = [:]) async throws -> TickerServices {
        try await services(config: externalConfig(plugins, timeout: timeout).replacingOccurrences(of: "PLUGINS", with: path("plugins")),
                           environment: environment).0
    }
}

func pid(_ services: TickerServices, _ id: String) async -> Int32? {
    (await services.router.provider(id: id) as? ExternalProvider)?.process.processID
}

@Suite("External plugin manifests")
struct PluginManifestTests {
    func errors(_ json: String, directory: String = "/tmp") -> [String] {
        PluginManifest.parse(Data(json.utf8), directory: URL(fileURLWithPath: directory), environment: ["PATH": "/usr/bin:/bin"]).errors
    }

    @Test func aValidManifestParses() throws {
        let parsed = PluginManifest.parse(Data(#"{"name": "ok", "version": "1.2.3-beta.1", "author": "a", "description": "d", "api_version": "v1", "command": ["python3", "x.py"], "supported_models": ["m"], "category": "community"}"#.utf8),
                                          directory: URL(fileURLWithPath: "/tmp"), environment: ["PATH": "/usr/bin:/bin"])
        #expect(parsed.errors == [])
        #expect(parsed.manifest?.metadata.category == .community)
        #expect(parsed.manifest?.command == ["python3", "x.py"])
    }

    @Test func eachProblemNamesItsField() {
        #expect(errors("{not json") == ["plugin.json is not valid JSON"])
        #expect(errors("[1]") == ["plugin.json must be a JSON object"])
        let found = errors(#"{"name": "Bad Name", "version": "x", "author": 3, "api_version": "v2", "command": ["no-such-program-xyz"], "colour": "red", "category": "mine"}"#)
        #expect(found.contains("description: is required"))
        #expect(found.contains(#"version: "x" is not semantic versioning (e.g. 1.0.0)"#))
        #expect(found.contains("author: must be a string"))
        #expect(found.contains(#"api_version: "v2" is not supported; use "v1""#))
        #expect(found.contains(#"command: "no-such-program-xyz" was not found on PATH"#))
        #expect(found.contains("colour: is not a known field"))
        #expect(found.contains(#"name: "Bad Name" must be lowercase letters, digits, - or _ (at most 64)"#))
        #expect(found.contains(#"category: "mine" must be one of official, community, custom"#))
    }

    @Test func aCommandPathMustExistAndBeExecutable() throws {
        let workspace = try TestWorkspace()
        try workspace.write("p/run.sh", "#!/bin/sh\n")
        let manifest = #"{"name": "p", "version": "1.0.0", "author": "a", "description": "d", "api_version": "v1", "command": ["./run.sh"]}"#
        #expect(errors(manifest, directory: workspace.path("p")) == [#"command: "./run.sh" is not executable"#])
        #expect(errors(manifest.replacingOccurrences(of: "run.sh", with: "gone.sh"), directory: workspace.path("p")) == [#"command: "./gone.sh" does not exist"#])
    }

    @Test func invalidAndDuplicatePluginsAreListedWithTheirErrorsAndSkipped() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "twin")
        try workspace.write("plugins/twin-copy/plugin.json", try String(contentsOfFile: workspace.path("plugins/twin/plugin.json"), encoding: .utf8))
        try workspace.write("plugins/broken/plugin.json", #"{"name": "broken", "version": "one"}"#)
        try writePythonPlugin(workspace, name: "offline")
        try writePythonPlugin(workspace, name: "fine")
        let services = try await workspace.externalServices(#"{"a": {"plugin": "twin"}, "b": {"plugin": "fine"}}"#)
        let listings = Dictionary(grouping: services.configuration.plugins.listings.filter { $0.source == "external" }, by: \.name)
        #expect(listings["twin"]?.count == 2)
        #expect(listings["twin"]?.allSatisfy { $0.status == "invalid" } == true)
        #expect(listings["twin"]?.first?.errors.first?.contains("is also used by \(workspace.path("plugins/twin-copy"))") == true)
        #expect(listings["broken"]?.first?.errors.contains(#"version: "one" is not semantic versioning (e.g. 1.0.0)"#) == true)
        #expect(listings["offline"]?.first?.errors == [#"name: "offline" is taken by a built-in plugin"#])
        #expect(listings["fine"]?.first?.status == "loaded")
        let statuses = await services.providerStatuses()
        #expect(statuses.first { $0.id == "a" }?.reason?.hasPrefix(#"plugin "twin" did not load: name: "twin" is also used by"#) == true)
        #expect(statuses.first { $0.id == "b" }?.available == true)
        await services.shutdown()
    }
}

@Suite("External plugin processes", .serialized)
struct ExternalPluginProcessTests {
    @Test func theShippedPythonExampleGeneratesAMessage() async throws {
        let workspace = try TestWorkspace()
        let repoPlugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("plugins/custom").path
        let config = pluginConfig(#"{"calendar": {"plugin": "calendar-facts"}}"#,
                                  global: #""custom_plugin_paths": ["\#(repoPlugins)"]"#)
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.providerName == "calendar-facts")
        #expect(message.model == "calendar-1")
        #expect(message.content.count > 20)
        let process = try #require(await pid(services, "calendar"))
        await services.shutdown()
        #expect(!processExists(process))
    }

    @Test func theHostSpeaksJSONRPCWithConfigAndResults() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "echo", generate: #"return {"content": params["user_prompt"] + " / " + params["system_prompt"], "model": "echo-9", "usage": {"prompt_tokens": 3, "completion_tokens": 4}, "metadata": {"response_id": "r1", "finish_reason": "stop"}}"#)
        let services = try await workspace.externalServices(#"{"e": {"plugin": "echo", "config": {"model": "echo-9", "api_key": "${K}"}}}"#, environment: ["K": "secret-key-123"])
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == services.configuration.value.ticker.userPrompt + " / " + services.configuration.value.ticker.systemPrompt)
        #expect(message.usage == Usage(promptTokens: 3, completionTokens: 4))
        #expect(message.responseID == "r1")
        #expect(await services.router.provider(id: "e")?.supportedModels == ["py-1", "py-2"])
        await services.shutdown()
    }

    @Test func aHangingPluginTimesOutIsStoppedAndTheNextProviderServes() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "sleepy", generate: "time.sleep(3600)")
        let services = try await workspace.externalServices(#"{"s": {"plugin": "sleepy", "priority": 1}, "o": {"plugin": "offline", "priority": 2}}"#, timeout: 1)
        let before = try #require(await pid(services, "s"))
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.provider == "o")
        #expect(message.attempts.first?.errorClass == .timeout)
        #expect(await processEnds(before, within: .seconds(5)), "an unresponsive plugin is killed")
        await services.shutdown()
    }

    @Test func garbageFloodsAndWrongIDsDoNotHarmTheHost() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "noisy", generate: """
            print("this is not json", flush=True)
            print("x" * (2 * 1024 * 1024), flush=True)
            print(json.dumps({"jsonrpc": "2.0", "id": 424242, "result": {"content": "wrong id"}}), flush=True)
            return {"content": "right answer " + str(calls())}
            """)
        try writePythonPlugin(workspace, name: "liar", generate: """
            print(json.dumps({"jsonrpc": "2.0", "id": 999999, "result": {"content": "wrong id only"}}), flush=True)
            return None
            """)
        let services = try await workspace.externalServices(#"{"n": {"plugin": "noisy", "priority": 1}, "l": {"plugin": "liar", "priority": 2}}"#, timeout: 3)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.content == "right answer 1")
        guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .cli, only: "l") else { Issue.record("liar should fail"); return }
        #expect(attempts.map(\.errorClass) == [.timeout])
        await services.shutdown()
    }

    @Test func aPluginThatExitsAtStartIsReportedAndOthersServe() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "quitter", startup: "sys.exit(3)")
        let services = try await workspace.externalServices(#"{"q": {"plugin": "quitter", "priority": 1}, "o": {"plugin": "offline", "priority": 2}}"#)
        let quitter = await services.providerStatuses().first { $0.id == "q" }
        #expect(quitter?.available == false)
        #expect(quitter?.reason?.contains("exited with status 3") == true || quitter?.reason?.contains("closed its input") == true)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("no message"); return }
        #expect(message.provider == "o")
        await services.shutdown()
    }

    @Test func aCrashedPluginIsRestartedWithBackoffOnTheNextUse() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "fragile", generate: """
            if not os.path.exists("crashed-once"):
                open("crashed-once", "w").close()
                os._exit(1)
            return {"content": "back again"}
            """)
        let services = try await workspace.externalServices(#"{"f": {"plugin": "fragile"}}"#)
        guard case .failed(let first, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("first should fail"); return }
        #expect(first.first?.errorClass == .unavailable)
        #expect(first.first?.detail?.contains("exited with status 1") == true)
        let provider = try #require(await services.router.provider(id: "f"))
        await #expect(throws: ProviderError.self) { try await provider.generateMessage(systemPrompt: "", userPrompt: "") }
        try await Task.sleep(for: .milliseconds(1_100))
        let answer = try await provider.generateMessage(systemPrompt: "", userPrompt: "")
        #expect(answer.content == "back again")
        await services.shutdown()
    }

    @Test func errorKindsFromThePluginBecomeErrorClasses() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "limited", generate: #"return {"__error__": {"code": -32000, "message": "slow down, key secret-key-123", "data": {"kind": "rate_limited", "retry_after": 30}}}"#)
        let services = try await workspace.externalServices(#"{"l": {"plugin": "limited", "config": {"api_key": "${K}"}}}"#, environment: ["K": "secret-key-123"])
        let provider = try #require(await services.router.provider(id: "l"))
        let error = await #expect(throws: ProviderError.self) { try await provider.generateMessage(systemPrompt: "", userPrompt: "") }
        #expect(error == .rateLimited(retryAfter: 30))
        await services.shutdown()
    }

    @Test func reloadAndShutdownLeaveNoProcessBehindEvenOneIgnoringSIGTERM() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "stubborn", startup: "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nIGNORE_SHUTDOWN = True")
        let services = try await workspace.externalServices(#"{"s": {"plugin": "stubborn"}}"#)
        let first = try #require(await pid(services, "s"))
        let same = try await services.reloads.reload()
        #expect(same.diff.unchanged == ["s"], "an unchanged plugin keeps running")
        #expect(await pid(services, "s") == first)
        try await Task.sleep(for: .milliseconds(20))
        try workspace.write("plugins/stubborn/notes.txt", "changed")  // a file of the plugin changed
        let report = try await services.reloads.reload()
        #expect(report.diff.changed == ["s"], "a changed plugin is restarted")
        #expect(await processEnds(first, within: .seconds(5)))
        let second = try #require(await pid(services, "s"))
        #expect(second != first)
        await services.shutdown()
        #expect(await processEnds(second, within: .seconds(5)))
    }
}
