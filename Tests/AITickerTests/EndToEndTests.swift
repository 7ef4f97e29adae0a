import Foundation
import Testing

@Suite("The ai-ticker binary, end to end", .serialized)
struct EndToEndTests {
    @Test func aFreshDirectoryGetsAMessageOverRESTAndStopsCleanlyOnSIGTERM() async throws {
        let workspace = try TestWorkspace()
        let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
        let port = try await service.port()
        var message: (status: Int, body: String) = (0, "")
        for _ in 0..<100 {
            message = try await httpGet("http://127.0.0.1:\(port)/api/message")
            if message.status == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
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
    }
}
