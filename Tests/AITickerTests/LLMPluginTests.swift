import Foundation
import Testing
@testable import AITicker
@testable import TickerCore

/// Builds and pip-installs (into `site`, with the tests' interpreter, where the real `llm` is
/// installed too) the backend package of docs/writing-a-provider.md, written to the seeds' backend
/// plug-in guide, and a second one whose backends go wrong in the ways a plug-in can.
func installBackendPackages(_ workspace: TestWorkspace) async throws -> String {
    try workspace.write("shout/pyproject.toml", try sample("backend_pyproject.toml", in: "docs/writing-a-provider.md"))
    try workspace.write("shout/shout_backend/__init__.py", "")
    try workspace.write("shout/shout_backend/plugins.py", try sample("backend_plugins.py", in: "docs/writing-a-provider.md"))
    try workspace.write("faulty/pyproject.toml", """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "faulty-backends"
        version = "0.1.0"

        [project.entry-points."llm.plugins"]
        faulty = "faulty_backends"

        [tool.setuptools]
        packages = ["faulty_backends"]
        """)
    try workspace.write("faulty/faulty_backends/__init__.py", """
        import time
        import llm.backends.plugin_sdk

        def broken(prompt, model=None):
            raise RuntimeError("the backend's upstream is down")

        def numeric(prompt, model=None):
            return 42

        def slow(prompt, model=None):
            time.sleep(30)
            return "too late"

        for name, run in (("broken", broken), ("numeric", numeric), ("slow", slow)):
            llm.backends.plugin_sdk.register_backend(name, run)
        """)
    return try await pipInstall(["shout", "faulty"], from: workspace)
}

/// Installs the test-made packages in `workspace` into its `site` folder, offline.
func pipInstall(_ packages: [String], from workspace: TestWorkspace) async throws -> String {
    let site = workspace.path("site")
    for package in packages {
        let pip = Process()
        pip.executableURL = URL(fileURLWithPath: venvPython)
        pip.arguments = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-build-isolation", "--no-deps", "--no-index",
                         "--target", site, workspace.path(package)]
        pip.standardOutput = FileHandle.nullDevice
        #expect(try await runToEnd(pip) == 0, "pip installed \(package)")
    }
    return site
}

@Suite("The seeds' other Python plug-in systems: llm backends and llm models", .serialized)
struct LLMPluginTests {
    @Test func aGuideBackendPackageServesAndEachWayItFailsIsAFailedAttemptWithItsReason() async throws {
        let workspace = try TestWorkspace()
        let site = try await installBackendPackages(workspace)
        let config = pluginConfig(#"""
            {"guide": {"plugin": "llm-backend", "priority": 1, "config": {"backend": "shout", "model": "m1"}},
             "broken": {"plugin": "llm-backend", "priority": 2, "config": {"backend": "broken"}},
             "numeric": {"plugin": "llm-backend", "priority": 3, "config": {"backend": "numeric"}},
             "slow": {"plugin": "llm-backend", "priority": 4, "config": {"backend": "slow", "timeout": 1}},
             "missing": {"plugin": "llm-backend", "priority": 5, "config": {"backend": "not_installed"}}}
            """#, ticker: #""dedupe_window": 0, "system_prompt": "You write ticker lines.", "user_prompt": "One short line.""#,
            global: #""fallback_behavior": "keep_last", "python": "\#(venvPython)""#)
        let (services, _) = try await workspace.services(config: config, environment: ["PYTHONPATH": site, "PATH": "/usr/bin:/bin"])
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual, only: "guide") else {
            Issue.record("the guide's backend serves: \(String(describing: await providerStatus(services, "guide")))")
            return
        }
        #expect(message.content == "[m1] ONE SHORT LINE.", "the guide's sample, with the model and the prompt: \(message.content)")
        for (id, expected) in [("broken", "backend broken raised RuntimeError: the backend's upstream is down"),
                               ("numeric", "backend numeric returned int, not a string")] {
            guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual, only: id) else { Issue.record("\(id) fails"); continue }
            #expect(attempts.first?.detail?.contains(expected) == true, "\(id): \(attempts)")
            let status = await providerStatus(services, id)
            #expect(status?.health.lastError?.contains(expected) == true, "/api/providers says why: \(String(describing: status))")
        }
        guard case .failed(let slow, _) = await services.ticks.tick(trigger: .manual, only: "slow") else { Issue.record("slow fails"); return }
        #expect(slow.first?.errorClass == .timeout, "\(slow)")
        let offered = services.configuration.plugins.listings.first { $0.name == "llm-backend" }
        #expect(offered?.models == ["broken", "numeric", "shout", "slow"], "\(String(describing: offered))")
        let unused = services.configuration.plugins.listings.first { $0.name == "llm" }
        #expect(unused != nil && unused?.models == nil, "no entry uses llm models, so they are not listed: \(String(describing: unused))")
        let missing = await providerStatus(services, "missing")
        #expect(missing?.reason?.contains(#"no llm backend "not_installed" is registered (registered: broken, numeric, shout, slow)"#) == true,
                "\(String(describing: missing))")
        await services.shutdown()
    }

    @Test func anLLMModelServesWithOptionsUsageAndKeysAndSaysWhyWhenItCannot() async throws {
        let workspace = try TestWorkspace()
        // llm-echo answers the `raw` text of a JSON prompt as it is, and reports token usage.
        let ticker = #""dedupe_window": 0, "user_prompt": "{\"prompt\": \"one line\", \"raw\": \"Echoed through llm\"}""#
        // The guide's entry, as written, is the first provider.
        let sampleEntry = try JSONDecoder().decode(JSONValue.self, from: Data(try sample("llm_entry.json", in: "docs/writing-a-provider.md").utf8))
        let echo = String(decoding: try JSONEncoder().encode(try #require(sampleEntry["plugins"]?["local"])), as: UTF8.self)
        let config = pluginConfig(#"""
            {"echo": \#(echo),
             "keyed": {"plugin": "llm", "priority": 2, "config": {"model": "echo-needs-key", "api_key": "sk-echo-key-123"}},
             "keyless": {"plugin": "llm", "priority": 3, "config": {"model": "echo-needs-key"}},
             "unknown": {"plugin": "llm", "priority": 4, "config": {"model": "no-such-model"}},
             "badoption": {"plugin": "llm", "priority": 5, "config": {"model": "echo", "options": {"example_bool": "perhaps"}}}}
            """#, ticker: ticker, global: #""fallback_behavior": "keep_last", "python": "\#(venvPython)""#)
        let home = workspace.path("home")  // an empty llm key store
        let (services, _) = try await workspace.services(config: config, environment: ["HOME": home, "LLM_USER_PATH": home, "PATH": "/usr/bin:/bin"])
        guard case .stored(let message) = await services.ticks.tick(trigger: .manual, only: "echo") else {
            Issue.record("echo serves: \(String(describing: await providerStatus(services, "echo")))")
            return
        }
        #expect(message.content == "Echoed through llm")
        #expect(message.model == "echo")
        #expect(message.usage.totalTokens > 0, "usage recorded as the model reports it")
        guard case .stored(let keyed) = await services.ticks.tick(trigger: .manual, only: "keyed") else {
            Issue.record("a key from the entry: \(String(describing: await providerStatus(services, "keyed")))")
            return
        }
        #expect(keyed.model == "echo-needs-key")
        let reasons = [("keyless", "No key found"), ("unknown", #"llm knows no model "no-such-model""#), ("badoption", "options for echo")]
        for (id, expected) in reasons {
            let status = await providerStatus(services, id)
            #expect(status?.reason?.contains(expected) == true, "\(id): \(String(describing: status))")
            #expect(status?.reason?.contains("sk-echo-key-123") != true)
        }
        let listing = services.configuration.plugins.listings.first { $0.name == "llm" }
        #expect(listing?.status == "loaded" && listing?.models?.contains("echo") == true && listing?.models?.contains("echo-needs-key") == true,
                "the models the environment offers: \(String(describing: listing))")
        await services.shutdown()

        // The same entry with an interpreter that has no llm package.
        let bare = pluginConfig(#"{"echo": {"plugin": "llm", "config": {"model": "echo"}}}"#, global: #""python": "/usr/bin/python3""#)
        let other = try TestWorkspace()
        let (without, _) = try await other.services(config: bare, environment: ["PATH": "/usr/bin:/bin"])
        let bareStatus = await providerStatus(without, "echo")
        #expect(bareStatus?.reason?.contains("the llm package is not installed") == true, "\(String(describing: bareStatus))")
        await without.shutdown()
    }

    @Test func anLLMModelThatRaisesOrHangsIsAFailedAttemptOfItsClassAndKeysComeFromLLMsStore() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("models/pyproject.toml", """
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "faulty-models"
            version = "0.1.0"

            [project.entry-points.llm]
            faulty_models = "faulty_models"

            [tool.setuptools]
            py-modules = ["faulty_models"]
            """)
        try workspace.write("models/faulty_models.py", """
            import time
            import llm

            class Raising(llm.Model):
                model_id = "raising-model"
                def execute(self, prompt, stream, response, conversation):
                    raise ConnectionError("the model server went away")

            class Hanging(llm.Model):
                model_id = "hanging-model"
                def execute(self, prompt, stream, response, conversation):
                    time.sleep(30)
                    yield "too late"

            @llm.hookimpl
            def register_models(register):
                register(Raising())
                register(Hanging())
            """)
        let site = try await pipInstall(["models"], from: workspace)
        let config = pluginConfig(#"""
            {"raising": {"plugin": "llm", "priority": 1, "config": {"model": "raising-model"}},
             "hanging": {"plugin": "llm", "priority": 2, "config": {"model": "hanging-model", "timeout": 1}},
             "stored": {"plugin": "llm", "priority": 3, "config": {"model": "echo-needs-key"}}}
            """#, ticker: #""dedupe_window": 0, "user_prompt": "{\"prompt\": \"x\", \"raw\": \"Keyed from the store\"}""#,
            global: #""fallback_behavior": "keep_last", "python": "\#(venvPython)""#)
        let home = workspace.path("home")
        // llm's own key store (`llm keys set echo-needs-key`), used when the entry has no key.
        try workspace.write("home/keys.json", #"{"echo-needs-key": "sk-from-the-store-456"}"#)
        let (services, _) = try await workspace.services(config: config,
                                                         environment: ["PYTHONPATH": site, "HOME": home, "LLM_USER_PATH": home, "PATH": "/usr/bin:/bin"])
        let listing = services.configuration.plugins.listings.first { $0.name == "llm" }
        #expect(listing?.models?.contains("raising-model") == true && listing?.models?.contains("hanging-model") == true, "\(String(describing: listing))")
        guard case .failed(let raised, _) = await services.ticks.tick(trigger: .manual, only: "raising") else { Issue.record("raising fails"); return }
        #expect(raised.first?.errorClass == .unavailable, "\(raised)")
        #expect(raised.first?.detail?.contains("ConnectionError: the model server went away") == true, "\(raised)")
        let status = await providerStatus(services, "raising")
        #expect(status?.health.lastError?.contains("the model server went away") == true, "/api/providers says why: \(String(describing: status))")
        guard case .failed(let hung, _) = await services.ticks.tick(trigger: .manual, only: "hanging") else { Issue.record("hanging fails"); return }
        #expect(hung.first?.errorClass == .timeout, "\(hung)")
        #expect(await providerStatus(services, "hanging")?.health.lastError != nil)
        guard case .stored(let keyed) = await services.ticks.tick(trigger: .manual, only: "stored") else {
            Issue.record("a key from llm's key store: \(String(describing: await providerStatus(services, "stored")))")
            return
        }
        #expect(keyed.content == "Keyed from the store")
        await services.shutdown()
    }
}
