import Foundation
import Testing
import AITicker

@Suite("The ai-ticker binary, end to end", .serialized)
struct EndToEndTests {
    @Test func aFreshDirectoryGetsAMessageOverRESTAndStopsCleanlyOnSIGTERM() async throws {
        let workspace = try TestWorkspace()
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let message = try await firstMessage(port: port)
        #expect(message.status == 200, "the first tick runs at start when there is no recent message")
        #expect(message.body.contains(#""provider":"offline""#))
        #expect(FileManager.default.fileExists(atPath: workspace.path("ticker.sqlite")))

        service.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await httpGet("http://127.0.0.1:\(port)/api/health").status == 200)
        #expect(service.log.contains("reloaded on SIGHUP"))

        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
        #expect(service.log.contains("scheduler stopped"))
    }

    @Test func anInvalidConfigurationExitsNonZeroNamingFileKeyAndReason() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"ticker": {"interval_seconds": -5}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        #expect(try await service.exitStatus() == 2)
        #expect(service.log.contains("plugin_config.json: ticker.interval_seconds: must be between 1 and 86400, got -5"))
    }

    @Test func theCommandLineGeneratesListsAndShowsConfigWithoutSecrets() async throws {
        let workspace = try TestWorkspace()
        let canary = "sk-canary-cli-91b2"
        try workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock", "config": {"api_key": "${MOCK_KEY}", "extra_params": {"content": "cli says hi"}}}}}"#)
        let env = ["MOCK_KEY": canary]
        let generate = try ServiceProcess(arguments: ["generate"], directory: workspace.url, environment: env)
        #expect(try await generate.exitStatus() == 0)
        #expect(generate.log.contains("cli says hi"))
        let messages = try ServiceProcess(arguments: ["messages", "--limit", "5"], directory: workspace.url, environment: env)
        #expect(try await messages.exitStatus() == 0)
        #expect(messages.log.contains("cli says hi"))
        let config = try ServiceProcess(arguments: ["config"], directory: workspace.url, environment: env)
        #expect(try await config.exitStatus() == 0)
        #expect(config.log.contains("plugins.m.config.api_key"))
        #expect(!config.log.contains(canary))
        let providers = try ServiceProcess(arguments: ["providers"], directory: workspace.url, environment: env)
        #expect(try await providers.exitStatus() == 0)
        #expect(providers.log.contains("healthy"))
        for process in [generate, messages, config, providers] { #expect(!process.log.contains(canary)) }
        let files = try FileManager.default.contentsOfDirectory(atPath: workspace.url.path).filter { $0.hasPrefix("ticker.sqlite") }
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try Data(contentsOf: workspace.url.appendingPathComponent(file))
            #expect(bytes.range(of: Data(canary.utf8)) == nil, "the key is in \(file)")
        }
    }
}

@Suite("Vendor plugins through the binary", .serialized)
struct VendorEndToEndTests {
    @Test func eachVendorPluginStoresAMessageFromItsLoopbackVendor() async throws {
        let vendor = FakeVendor()
        let workspace = try TestWorkspace()
        try await vendor.run { base in
            try workspace.write("plugin_config.json", """
                {"plugins": {
                  "oa": {"plugin": "openai", "priority": 1, "config": {"api_key": null, "model": "gpt-test"}},
                  "claude": {"plugin": "anthropic", "priority": 2, "config": {"base_url": "\(base)/anthropic", "model": "claude-test"}},
                  "gem": {"plugin": "gemini", "priority": 3, "config": {"api_key": "${GEMINI_API_KEY}", "base_url": "\(base)/gemini", "model": "gemini-test"}},
                  "local": {"plugin": "ollama", "priority": 4, "config": {"base_url": "\(base)", "model": "llama-test"}}
                 },
                 "ticker": {"dedupe_window": 0}}
                """)
            let env = ["OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": "\(base)/v1", "ANTHROPIC_API_KEY": testKey, "GEMINI_API_KEY": testKey]
            for (id, expected) in [("oa", "Hello from OpenAI"), ("claude", "Hello from Claude"), ("gem", "Hello from Gemini"), ("local", "Hello from Ollama")] {
                let generate = try ServiceProcess(arguments: ["generate", "--provider", id], directory: workspace.url, environment: env)
                #expect(try await generate.exitStatus() == 0, "\(id): \(generate.log)")
                #expect(generate.log.contains(expected), "\(id)")
                #expect(!generate.log.contains(testKey))
            }
            vendor.script(.json(401, #"{"error":{"message":"Incorrect API key provided: \#(testKey)"}}"#))
            let echoed = try ServiceProcess(arguments: ["generate", "--provider", "oa"], directory: workspace.url, environment: env)
            #expect(try await echoed.exitStatus() == 1)
            #expect(echoed.log.contains("unauthorized"))
            #expect(!echoed.log.contains(testKey), "a key echoed by the vendor is redacted from logs and output")
            let providers = try ServiceProcess(arguments: ["providers"], directory: workspace.url, environment: env)
            #expect(try await providers.exitStatus() == 0)
            #expect(providers.log.split(separator: "\n").filter { $0.contains("healthy") }.count == 4, "\(providers.log)")
        }
        let store = try SQLiteMessageStore(path: workspace.path("ticker.sqlite"))
        let ticks = try await store.recentTicks(limit: 20)
        #expect(ticks.contains { $0.attempts.contains { $0.errorClass == .unauthorized && $0.detail?.contains("***") == true } },
                "the echoed key is stored redacted")
        for file in try FileManager.default.contentsOfDirectory(atPath: workspace.url.path) where file.hasPrefix("ticker.sqlite") {
            let bytes = try Data(contentsOf: workspace.url.appendingPathComponent(file))
            #expect(bytes.range(of: Data(testKey.utf8)) == nil, "the key is in \(file)")
        }
        let stored = try await store.messages(limit: 10, before: nil)
        #expect(Set(stored.map(\.providerName)) == ["openai", "anthropic", "gemini", "ollama"])
        #expect(Set(stored.map(\.model)) == ["gpt-test", "claude-test", "gemini-test", "llama-test"])
        #expect(stored.filter { $0.source == .generated }.allSatisfy { $0.usage.totalTokens > 0 })
        #expect(stored.filter { $0.source == .archive }.count == 1, "the failed tick re-published an earlier message (use_cache)")
    }
}

@Suite("Plugin command line", .serialized)
struct PluginCommandLineTests {
    @Test func aScaffoldedPythonPluginValidatesAndServesTicks() async throws {
        let workspace = try TestWorkspace()
        let new = try ServiceProcess(arguments: ["plugins", "new", "greeter", "--directory", "plugins/custom"], directory: workspace.url)
        #expect(try await new.exitStatus() == 0)
        let validate = try ServiceProcess(arguments: ["plugins", "validate", "plugins/custom/greeter"], directory: workspace.url)
        #expect(try await validate.exitStatus() == 0, "\(validate.log)")
        #expect(validate.log.contains("greeter: valid"))
        try workspace.write("plugin_config.json", #"{"plugins": {"greet": {"plugin": "greeter"}}}"#)
        let list = try ServiceProcess(arguments: ["plugins"], directory: workspace.url)
        #expect(try await list.exitStatus() == 0)
        #expect(list.log.contains("greeter") && list.log.contains("external") && list.log.contains("loaded"))
        let generate = try ServiceProcess(arguments: ["generate"], directory: workspace.url)
        #expect(try await generate.exitStatus() == 0, "\(generate.log)")
        #expect(generate.log.contains("Message 1 from greeter."))
        let again = try ServiceProcess(arguments: ["plugins", "new", "greeter", "--directory", "plugins/custom"], directory: workspace.url)
        #expect(try await again.exitStatus() != 0, "an existing plugin is never overwritten")
    }

    @Test func validateExplainsWhatIsWrongAndExitsOne() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("bad/plugin.json", #"{"name": "bad", "version": "x", "author": "a", "description": "d", "api_version": "v1", "command": ["python3", "missing.py"]}"#)
        let validate = try ServiceProcess(arguments: ["plugins", "validate", "bad"], directory: workspace.url)
        #expect(try await validate.exitStatus() == 1)
        #expect(validate.log.contains(#"version: "x" is not semantic versioning (e.g. 1.0.0)"#))
        try workspace.write("bad/plugin.json", #"{"name": "bad", "version": "1.0.0", "author": "a", "description": "d", "api_version": "v1", "command": ["python3", "missing.py"]}"#)
        let start = try ServiceProcess(arguments: ["plugins", "validate", "bad"], directory: workspace.url)
        #expect(try await start.exitStatus() == 1)
        #expect(start.log.contains("initialize:"), "a plugin whose process dies at start is reported: \(start.log)")
    }

    @Test func aScaffoldedSwiftPluginBuildsAndValidates() async throws {
        let workspace = try TestWorkspace()
        let new = try ServiceProcess(arguments: ["plugins", "new", "swifty", "--language", "swift", "--directory", "."], directory: workspace.url)
        #expect(try await new.exitStatus() == 0)
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "-c", "release", "--package-path", workspace.path("swifty")]
        build.standardOutput = FileHandle.nullDevice
        #expect(try await runToEnd(build) == 0)
        let validate = try ServiceProcess(arguments: ["plugins", "validate", "swifty"], directory: workspace.url)
        #expect(try await validate.exitStatus(timeout: .seconds(30)) == 0, "\(validate.log)")
    }
}

@Suite("A service of one's own", .serialized)
struct CustomTickerExampleTests {
    @Test func theExampleExecutableServesItsOwnPlugin() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"loud": {"plugin": "shout", "config": {"extra_params": {"phrase": "hello screens"}}}}}"#)
        let service = try ServiceProcess(arguments: [], directory: workspace.url, environment: ["SERVER_PORT": "0"], executable: "custom-ticker")
        let port = try await service.port()
        let message = try await firstMessage(port: port)
        #expect(message.body.contains("HELLO SCREENS!"))
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
    }
}

@Suite("External plugins through the binary", .serialized)
struct ExternalPluginEndToEndTests {
    /// Child process ids of `pid`, from /proc.
    func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ").compactMap { Int32($0) }
        }
    }

    @Test func theServiceRunsThePluginLogsItsStderrAndLeavesNoProcessBehind() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "talker")
        try workspace.write("plugin_config.json", """
            {"plugins": {"t": {"plugin": "talker", "config": {"api_key": "${TALKER_KEY}"}}},
             "global_settings": {"custom_plugin_paths": ["plugins"]}}
            """)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url, environment: ["TALKER_KEY": "sk-talker-canary-77"])
        let port = try await service.port()
        let message = try await firstMessage(port: port)
        #expect(message.body.contains("hello from talker"))
        let plugins = children(of: service.process.processIdentifier)
        #expect(plugins.count == 1)
        #expect(service.log.contains("plugin=talker"), "stderr lines are logged under the plugin's name")
        #expect(service.log.contains("initialized with"))
        #expect(!service.log.contains("sk-talker-canary-77"), "the key the plugin printed is redacted")
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
        for pid in plugins { #expect(!processExists(pid), "plugin process \(pid) outlived the service") }
    }
}

@Suite("systemd notify protocol", .serialized)
struct SystemdNotifyTests {
    @Test(arguments: [false, true])
    func theServiceReportsReadyStatusWatchdogReloadAndStop(abstract: Bool) async throws {
        let workspace = try TestWorkspace()
        let listener = try NotifyListener(abstract: abstract, directory: workspace.url.path)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url,
                                         environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "200000"])
        _ = try await service.port()
        #expect(await listener.wait(for: "READY=1"))
        #expect(await listener.wait(for: "STATUS=last tick"), "the first tick's outcome is reported")
        try await Task.sleep(for: .milliseconds(500))
        #expect(listener.messages.filter { $0 == "WATCHDOG=1" }.count >= 3, "pings at half of WATCHDOG_USEC")
        service.signal(SIGHUP)
        #expect(await listener.wait(for: "RELOADING=1"))
        let reloading = try #require(listener.messages.first { $0.contains("RELOADING=1") })
        #expect(reloading.contains("MONOTONIC_USEC="))
        #expect(await listener.wait(for: "STATUS=configuration reloaded"))
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
        #expect(listener.messages.contains { $0.contains("STOPPING=1") })
    }
}
