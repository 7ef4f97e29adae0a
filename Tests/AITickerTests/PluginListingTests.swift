import Foundation
import Testing
@testable import AITicker
@testable import TickerProviders

/// A guide-style plugin that serves `content`, with `top` run at import (in the listing and when served).
func listedPlugin(top: String, content: String) -> String {
    guidePlugin(top: top, initialize: "return True",
                generate: "return AIResponse(content=\"\(content)\", provider_name=self.provider_name, model=\"m\")")
}

/// Module code that forks at import and records the child's id in `file`; `detach` makes the
/// child leave the process group (`setsid`), `multiprocessing` forks through that module.
func forkingAtImport(_ file: String, how: String) -> String {
    switch how {
    case "multiprocessing":
        return """
            import multiprocessing, time
            def _linger():
                time.sleep(1000)
            _child = multiprocessing.Process(target=_linger)
            _child.start()
            open("\(file)", "a").write(f"{_child.pid}\\n")
            """
    default:
        return """
            import os, time
            _pid = os.fork()
            if _pid == 0:
                \(how == "setsid" ? "os.setsid()" : "pass")
                time.sleep(1000)
                os._exit(0)
            open("\(file)", "a").write(f"{_pid}\\n")
            """
    }
}

/// The process ids a plugin recorded, one per line.
func recordedPIDs(_ file: String) -> [Int32] {
    ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
}

/// Polls `url` until its body contains `text`; the last body.
func waitForBody(_ url: String, containing text: String, within limit: Duration) async throws -> String {
    let deadline = ContinuousClock.now + limit
    var body = ""
    while ContinuousClock.now < deadline {
        body = try await httpGet(url).body
        if body.contains(text) { return body }
        try await Task.sleep(for: .milliseconds(100))
    }
    return body
}

/// Listing a Python plugin (running its file once to learn what it is) is held to the same
/// discipline as running one, and never delays the port (issue 25).
@Suite("Listing Python plugins", .serialized)
struct PluginListingTests {
    /// Modules that fork at import, plainly, with `setsid`, or through `multiprocessing`, are
    /// listed without waiting for their children; what they forked is ended once the listing is
    /// done, and what the served plugin forked (in or out of its group) ends with the service.
    @Test func modulesThatForkAtImportAreListedAndNothingTheyStartOutlivesTheService() async throws {
        let workspace = try TestWorkspace()
        for how in ["plain", "setsid", "multiprocessing"] {
            try workspace.write("plugins/custom/fork_\(how).py", listedPlugin(top: forkingAtImport(workspace.path("\(how).pids"), how: how),
                                                                            content: "Served by fork_\(how)"))
        }
        try workspace.write("plugin_config.json", pluginConfig(#"""
            {"fork_plain": {"priority": 1, "config": {"api_key": "k", "model": "m"}}, "fork_setsid": {"priority": 2, "config": {"api_key": "k", "model": "m"}},
             "fork_multiprocessing": {"priority": 3, "config": {"api_key": "k", "model": "m"}}}
            """#, global: #""custom_plugin_paths": ["plugins/custom"], "plugin_timeout": 30"#))
        try workspace.write(".env", "")
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let plugins = try await waitForBody("http://127.0.0.1:\(port)/api/plugins", containing: "fork_multiprocessing", within: .seconds(1))
        #expect(plugins.contains(#""status":"pending""#) || plugins.contains(#""status":"loaded""#), "\(plugins)")
        let message = try await waitForBody("http://127.0.0.1:\(port)/api/message", containing: "Served by fork_plain", within: .seconds(20))
        #expect(message.contains("Served by fork_plain"), "the first tick waits for the listing and uses the plugin: \(message)\n\(service.log)")
        let listed = try await httpGet("http://127.0.0.1:\(port)/api/plugins").body
        #expect(!listed.contains("longer than"), "no listing waited for the deadline: \(listed)")
        for how in ["plain", "setsid", "multiprocessing"] {
            let pids = recordedPIDs(workspace.path("\(how).pids"))
            #expect(pids.count >= 2, "\(how): forked once when listed and once when served: \(pids)")
            if let listing = pids.first {
                #expect(await processEnds(listing, within: .seconds(5)), "\(how): what the listing forked is ended")
            }
        }
        service.signal(SIGTERM)
        #expect(try await service.exitStatus(timeout: .seconds(15)) == 0)
        for how in ["plain", "setsid", "multiprocessing"] {
            for pid in recordedPIDs(workspace.path("\(how).pids")) {
                #expect(await processEnds(pid, within: .seconds(5)), "\(how): process \(pid) outlived the service")
            }
        }
    }

    /// A module that sleeps at import: the port opens at once (the plugin is still being
    /// listed), the listing is cut off at `plugin_timeout`, an unchanged file is not listed again
    /// on reload, an edited one is (and the reload answers within the deadline and a margin).
    @Test func aModuleThatSleepsAtImportDelaysNeitherThePortNorAReload() async throws {
        let workspace = try TestWorkspace()
        let pids = workspace.path("sleepy.pids")
        let plugin = listedPlugin(top: "import os, time\nopen(\"\(pids)\", \"a\").write(f\"{os.getpid()}\\n\")\ntime.sleep(600)", content: "never")
        try workspace.write("plugins/custom/sleepy.py", plugin)
        try workspace.write("plugin_config.json", pluginConfig(#"{"sleepy": {"priority": 1, "config": {"api_key": "k", "model": "m"}}, "offline": {"priority": 2}}"#,
                                                              global: #""custom_plugin_paths": ["plugins/custom"], "plugin_timeout": 4"#))
        try workspace.write(".env", "")
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        let providers = try await httpGet("http://127.0.0.1:\(port)/api/providers").body
        #expect(providers.contains("is being listed"), "the port opened while the plugin was still being listed: \(providers)")
        let plugins = try await waitForBody("http://127.0.0.1:\(port)/api/plugins", containing: "longer than 4 s", within: .seconds(15))
        #expect(plugins.contains("longer than 4 s"), "\(plugins)")
        #expect(try await waitForBody("http://127.0.0.1:\(port)/api/message", containing: "offline", within: .seconds(10)).contains("offline"))
        let first = try #require(recordedPIDs(pids).first)
        #expect(await processEnds(first, within: .seconds(5)), "the listing's process is ended at the deadline")

        let unchanged = try await httpPost("http://127.0.0.1:\(port)/api/providers/reload")
        #expect(unchanged.status == 200, "\(unchanged.body)")
        #expect(recordedPIDs(pids).count == 1, "an unchanged file that overran the deadline is not listed again")

        try workspace.write("plugins/custom/sleepy.py", plugin + "\n# edited\n")
        let started = ContinuousClock.now
        let edited = try await httpPost("http://127.0.0.1:\(port)/api/providers/reload")
        let took = ContinuousClock.now - started
        #expect(edited.status == 200, "\(edited.body)")
        #expect(recordedPIDs(pids).count == 2, "an edited file is listed again")
        #expect(took < .seconds(4 + 3), "the reload answered within plugin_timeout and a margin: \(took)")
        print("reload listing a module that sleeps at import: answered after \(took) (plugin_timeout 4 s)")

        service.signal(SIGTERM)
        #expect(try await service.exitStatus(timeout: .seconds(15)) == 0)
    }

    /// SIGTERM while a listing hangs: the service exits within its grace, the listing's group killed.
    @Test func sigtermDuringAHangingListingExitsPromptlyAndEndsIt() async throws {
        let workspace = try TestWorkspace()
        let pids = workspace.path("hang.pids")
        try workspace.write("plugins/custom/hang.py", listedPlugin(top: "import os, time\nopen(\"\(pids)\", \"a\").write(f\"{os.getpid()}\\n\")\ntime.sleep(600)",
                                                                 content: "never"))
        try workspace.write("plugin_config.json", pluginConfig(#"{"hang": {}}"#, global: #""custom_plugin_paths": ["plugins/custom"], "plugin_timeout": 120"#))
        try workspace.write(".env", "")
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        _ = try await service.port()
        var listing: Int32?
        for _ in 0..<100 where listing == nil {
            listing = recordedPIDs(pids).first
            try await Task.sleep(for: .milliseconds(50))
        }
        let pid = try #require(listing, "the listing started")
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8).split(separator: "\n")
        let mask = { (field: String) in UInt64(status.first { $0.hasPrefix(field) }?.split(separator: "\t").last ?? "", radix: 16) }
        // Python ignores SIGPIPE and SIGXFSZ itself; the service blocks SIGTERM and ignores SIGINT and SIGQUIT.
        let servicesSignals: UInt64 = 1 << (UInt64(SIGTERM) - 1) | 1 << (UInt64(SIGINT) - 1) | 1 << (UInt64(SIGQUIT) - 1)
        #expect(mask("SigBlk:") == 0, "nothing blocked: \(status.filter { $0.hasPrefix("Sig") })")
        #expect(mask("SigIgn:").map { $0 & servicesSignals } == 0, "none of the service's ignored signals: \(status.filter { $0.hasPrefix("Sig") })")
        #expect(getpgid(pid) == pid, "the listing leads its own process group")
        let started = ContinuousClock.now
        service.signal(SIGTERM)
        #expect(try await service.exitStatus(timeout: .seconds(20)) == 0, "\(service.log)")
        print("SIGTERM during a hanging listing (plugin_timeout 120 s): exited after \(ContinuousClock.now - started)")
        #expect(await processEnds(pid, within: .seconds(5)), "the listing does not outlive the service")
    }
}
