import Foundation
import Logging
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerProviders

/// Plugin processes start clean and leave nothing behind; reloads restart only what changed.
@Suite("Plugin process hygiene", .serialized)
struct ProcessHygieneTests {
    /// A manifest plugin that starts `sleep MARKER` as its own child, like a plugin running a helper.
    func writeSpawner(_ workspace: TestWorkspace, marker: String) throws {
        try writePythonPlugin(workspace, name: "spawner", generate: """
            status = subprocess.run(["cat", "/proc/self/status"], capture_output=True, text=True).stdout
            fields = dict(line.split(":\\t", 1) for line in status.splitlines() if ":\\t" in line)
            return {"content": "blocked " + fields["SigBlk"].strip() + " ignored " + fields["SigIgn"].strip() + " " + str(calls())}
            """, startup: """
            import subprocess
            helper = subprocess.Popen(["sleep", "\(marker)"])
            """)
    }

    /// Ids of the processes whose command line is `sleep MARKER`.
    func helperIDs(_ marker: String) -> Set<String> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return Set(entries.filter { Int($0) != nil }.filter { pid in
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: cmdline, as: UTF8.self) == "sleep\u{0}\(marker)\u{0}"
        })
    }

    func helpers(_ marker: String) -> Int { helperIDs(marker).count }

    func descriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func aPluginAndItsChildrenStartWithDefaultSignalsAndNothingBlocked() async throws {
        let workspace = try TestWorkspace()
        try writeSpawner(workspace, marker: "3601")
        let config = #"{"plugins": {"spawner": {}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins"))"]}, "ticker": {"dedupe_window": 0}}"#
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
        let words = message.content.split(separator: " ")
        let blocked = UInt64(words[1], radix: 16), ignored = UInt64(words[3], radix: 16)
        #expect(blocked == 0, "\(message.content)")
        // Signals 32 and 33 belong to glibc's threads and cannot be reset; every other one is at its default.
        #expect(ignored.map { $0 & ~0x1_8000_0000 } == 0, "\(message.content)")
        await services.shutdown()
        #expect(helpers("3601") == 0, "stopping a plugin ends its whole process group")
    }

    @Test func aPluginGetsOnlyItsThreePipesOfTheServicesDescriptors() async throws {
        let workspace = try TestWorkspace()
        try writePythonPlugin(workspace, name: "lister", generate: """
            return {"content": "open " + " ".join(sorted(os.listdir("/proc/self/fd"), key=int)) + " " + str(calls())}
            """, startup: "import os")
        // What the service was started with and did not mark close-on-exec (a socket-activation
        // descriptor, a supervisor's pipe) must not reach a plugin.
        let inherited = open("/dev/null", O_RDONLY)
        defer { close(inherited) }
        #expect(inherited > 2 && fcntl(inherited, F_GETFD) & FD_CLOEXEC == 0)
        let config = #"{"plugins": {"lister": {}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins"))"]}, "ticker": {"dedupe_window": 0}}"#
        let (services, _) = try await workspace.services(config: config)
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("expected a message"); return }
        let open = message.content.split(separator: " ").dropFirst().dropLast().compactMap { Int32($0) }
        #expect(open.prefix(3) == [0, 1, 2], "\(message.content)")
        #expect(!open.contains(inherited), "\(message.content)")
        await services.shutdown()
    }

    @Test func a100ReloadsLeaveNoDescriptorAndNoProcessBehindAndRestartNothingUnchanged() async throws {
        let workspace = try TestWorkspace()
        let marker = "3602"
        try writeSpawner(workspace, marker: marker)
        try workspace.write("plugin_config.json", #"{"plugins": {"spawner": {"priority": 1}, "offline": {"priority": 2}}, "global_settings": {"custom_plugin_paths": ["plugins"]}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let base = "http://127.0.0.1:\(port)"
        _ = try await httpPost("\(base)/api/messages/generate")
        let pid = service.process.processIdentifier
        let before = (descriptors: descriptors(pid), helpers: helpers(marker))
        #expect(before.helpers == 1)
        let first = helperIDs(marker)
        for _ in 0..<100 {
            #expect(try await httpPost("\(base)/api/providers/reload").status == 200)
        }
        _ = try await httpPost("\(base)/api/messages/generate")
        let unchanged = (descriptors: descriptors(pid), helpers: helpers(marker))
        #expect(unchanged.helpers == 1)
        #expect(helperIDs(marker) == first, "an unchanged plugin is not restarted: still its first helper")
        // A changed plugin is restarted each time; its old process group goes with it.
        for round in 0..<20 {
            try workspace.write("plugins/spawner/extra.txt", "round \(round)")
            #expect(try await httpPost("\(base)/api/providers/reload").status == 200)
        }
        _ = try await httpPost("\(base)/api/messages/generate")
        try await Task.sleep(for: .milliseconds(500))
        let changed = (descriptors: descriptors(pid), helpers: helpers(marker))
        print("process hygiene: descriptors \(before.descriptors) → \(unchanged.descriptors) after 100 unchanged reloads → \(changed.descriptors) after 20 restarts; helper processes \(before.helpers) → \(unchanged.helpers) → \(changed.helpers)")
        #expect(unchanged.descriptors == before.descriptors)
        #expect(changed.descriptors == before.descriptors)
        #expect(changed.helpers == 1, "only the running plugin's helper is left")
        #expect(helperIDs(marker) != first, "a changed plugin was restarted")
        service.signal(SIGTERM)
        #expect(try await service.exitStatus() == 0)
        #expect(await eventually { helpers(marker) == 0 }, "nothing outlives the service")
    }

    /// A plugin that refuses `initialize` but would keep running (with its helper): the failed
    /// start shuts it down, and the next reload tries it again.
    @Test func aPluginWhoseStartFailsIsStoppedAndRetriedOnReload() async throws {
        let workspace = try TestWorkspace()
        let marker = "3603"
        try workspace.write("plugins/refuser/plugin.json", #"{"name": "refuser", "version": "1.0.0", "author": "tests", "description": "refuses to start", "api_version": "v1", "command": ["python3", "plugin.py"], "requires": []}"#)
        try workspace.write("plugins/refuser/plugin.py", """
            import json, subprocess, sys
            open("starts.txt", "a").write("start\\n")
            helper = subprocess.Popen(["sleep", "\(marker)"])
            for line in sys.stdin:
                request = json.loads(line)
                if request.get("method") == "shutdown":
                    sys.exit(0)
                error = {"code": -32000, "message": "no key yet", "data": {"kind": "misconfigured"}}
                print(json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "error": error}), flush=True)
            """)
        let config = #"{"plugins": {"refuser": {}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins"))"]}}"#
        let (services, _) = try await workspace.services(config: config)
        let status = await services.providerStatuses().first { $0.id == "refuser" }
        #expect(status?.available == false && status?.reason?.contains("initialize failed") == true, "\(String(describing: status))")
        #expect(await eventually { helpers(marker) == 0 }, "the refused plugin and its helper are gone")
        _ = try await services.reloads.reload()
        #expect(await services.providerStatuses().first { $0.id == "refuser" }?.reason?.contains("initialize failed") == true)
        let starts = try String(contentsOfFile: workspace.path("plugins/refuser/starts.txt"), encoding: .utf8)
        #expect(starts.split(separator: "\n").count == 2, "the reload tried it again")
        #expect(await eventually { helpers(marker) == 0 }, "a retried start that fails leaves nothing behind either")
        await services.shutdown()
    }

    /// Building the services starts nothing: a plugin process starts when the service runs or,
    /// for a caller that never runs it, at the first tick; until then its status says so.
    @Test func providersStartWithTheServiceOrTheFirstTickNotWhenBuilt() async throws {
        let workspace = try TestWorkspace()
        _ = try writePythonPlugin(workspace, name: "lazy", startup: #"open("starts.txt", "a").write("start\n")"#)
        let config = #"{"plugins": {"lazy": {}}, "global_settings": {"custom_plugin_paths": ["\#(workspace.path("plugins"))"]}}"#
        let (services, _) = try await workspace.services(config: config, started: false)
        let starts = workspace.path("plugins/lazy/starts.txt")
        #expect(!FileManager.default.fileExists(atPath: starts), "no process before the service runs")
        let status = await services.providerStatuses().first { $0.id == "lazy" }
        #expect(status?.available == false && status?.reason == "starting")
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual) else { Issue.record("the first tick stored nothing"); return }
        #expect(message.content.hasPrefix("hello from lazy"))
        await services.startProviders()
        #expect(try String(contentsOfFile: starts, encoding: .utf8) == "start\n", "started once, by the tick; the later start call shares it")
        #expect(await services.providerStatuses().first { $0.id == "lazy" }?.available == true)
        await services.shutdown()
    }

    /// A plugin that stops reading its stdin while it floods its stdout: the service keeps
    /// draining stdout while a large request waits to be written, so neither side stalls.
    @Test func aPluginFillingBothPipesDoesNotDeadlockTheConversation() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugins/flood/plugin.py", """
            import json, sys, time
            for line in sys.stdin:
                request = json.loads(line)
                method = request.get("method")
                if method == "shutdown":
                    sys.exit(0)
                if method == "initialize":
                    result = {"provider_name": "flood"}
                else:
                    result = {"content": "read %d characters" % len(request["params"]["system_prompt"])}
                sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}) + "\\n")
                sys.stdout.flush()
                if method == "initialize":
                    time.sleep(0.5)  # the next request arrives and fills stdin meanwhile
                    for _ in range(4):
                        sys.stdout.write("#" * 100000 + "\\n")  # more than a pipe holds, before reading on
                    sys.stdout.flush()
            """)
        let launch = PluginLaunch(name: "flood", command: ["python3", "plugin.py"], directory: URL(fileURLWithPath: workspace.path("plugins/flood")),
                                  environment: PluginLaunch.childEnvironment(ProcessInfo.processInfo.environment), models: [])
        let provider = ExternalProvider(launch: launch, config: ProviderConfig(name: "flood"), logger: Logger(label: "test"))
        try await withTimeout(seconds: 10) { try await provider.initialize() }
        let prompt = String(repeating: "p", count: 300_000)
        let answer = try await withTimeout(seconds: 10) { try await provider.generateMessage(systemPrompt: prompt, userPrompt: "u") }
        #expect(answer.content == "read 300000 characters")
        await provider.shutdown()
        #expect(provider.process.processID == nil, "the plugin has exited")
    }
}
