import Foundation
import Testing
@testable import AITicker
@testable import TickerStorage

/// The built binary as an operator runs it: a generated token, a real nginx in front, and the CLI
/// acting on the running service without anyone copying the token.
@Suite("Admin access, end to end", .serialized)
struct AdminAccessEndToEndTests {
    /// Starts the service in `workspace` with no configured token, on `port`, and waits for it.
    func startService(_ workspace: TestWorkspace, port: Int) async throws -> ServiceProcess {
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "server": {"port": \#(port)}, "ticker": {"interval_seconds": 3600}}"#)
        let service = try ServiceProcess(arguments: [], directory: workspace.url, environment: ["TICKER_ADMIN_TOKEN": ""])
        _ = try await service.port()
        return service
    }

    /// Runs `ai-ticker ARGS` in the workspace like an operator on the box, with no token given.
    func cli(_ workspace: TestWorkspace, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ServiceProcess(arguments: arguments, directory: workspace.url, environment: ["TICKER_ADMIN_TOKEN": ""])
        let status = try await process.exitStatus(timeout: .seconds(60))
        return (status, process.log)
    }

    func token(_ workspace: TestWorkspace) throws -> String {
        try String(contentsOfFile: workspace.path("admin_token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func throughARealNginxReverseProxyAdminRoutesStillNeedTheToken() async throws {
        let workspace = try TestWorkspace()
        let port = try freeLoopbackPort()
        let service = try await startService(workspace, port: port)
        let proxy = try TestNginx(workspace: workspace) { listen in
            "server { listen 127.0.0.1:\(listen); location / { proxy_pass http://127.0.0.1:\(port); } }"
        }
        defer { proxy.stop() }
        try await proxy.waitUntilUp()
        let base = proxy.base
        let proxyPort = proxy.port

        #expect(try await httpGet("\(base)/api/message").status == 200, "read routes stay public through the proxy")
        let anonymous = try await httpPost("\(base)/api/providers/reload", token: "")
        #expect(anonymous.status == 401, "the proxy connects from loopback, and that is not enough")
        let guessed = try await httpPost("\(base)/api/messages/generate", token: "not-the-token-123")
        #expect(guessed.status == 401)
        let admin = try await httpPost("\(base)/api/providers/reload", token: try token(workspace))
        #expect(admin.status == 200)
        let form = try await rawHTTP(port: proxyPort, """
            POST /api/messages/generate HTTP/1.1
            Host: ticker.example.org
            Origin: https://evil.example
            Content-Type: application/x-www-form-urlencoded
            Content-Length: 3
            Connection: close

            a=b
            """)
        #expect(form.status == 403, "a cross-origin form post through the proxy is refused")
        let log = service.log
        #expect(log.contains("admin authentication failed") && log.contains("client=127.0.0.1"))
        #expect(!log.contains("not-the-token-123"), "the token sent is never logged")
        #expect(!log.contains(try token(workspace)), "nor the real one")
        #expect(log.contains("admin routes need the bearer token from \(workspace.path("admin_token"))"))
    }

    @Test func theCLIFindsTheServiceAndItsTokenByItselfAndRotationTakesEffectOnReload() async throws {
        let workspace = try TestWorkspace()
        let port = try freeLoopbackPort()
        let service = try await startService(workspace, port: port)
        let base = "http://127.0.0.1:\(port)"

        let reload = try await cli(workspace, ["reload"])
        #expect(reload.status == 0, "\(reload.output)")
        #expect(reload.output.contains("configuration reloaded"))
        let generate = try await cli(workspace, ["generate", "--remote"])
        #expect(generate.status == 0, "\(generate.output)")
        #expect(generate.output.contains("[offline"))
        let stats = try await cli(workspace, ["stats", "--window", "2h"])
        #expect(stats.status == 0 && stats.output.contains("offline") && stats.output.contains("SUCCESS") && stats.output.contains("100.0 %"), "\(stats.output)")
        let badWindow = try await cli(workspace, ["stats", "--window", "2x"])
        #expect(badWindow.status == 1 && badWindow.output.contains("window must be"), "\(badWindow.output)")
        let set = try await cli(workspace, ["config", "set", "ticker.interval_seconds", "120"])
        #expect(set.status == 0, "\(set.output)")
        let refused = try await cli(workspace, ["config", "set", "plugins.offline.plugin", "evil"])
        #expect(refused.status == 2)
        #expect(refused.output.contains("not settable at runtime"))
        let unset = try await cli(workspace, ["config", "unset", "ticker.interval_seconds"])
        #expect(unset.status == 0, "\(unset.output)")

        // Rotation: a new token in the file counts once the service reloads (systemctl reload = SIGHUP).
        let old = try token(workspace)
        let new = String(repeating: "ab", count: 32)
        try Data("\(new)\n".utf8).write(to: URL(fileURLWithPath: workspace.path("admin_token")))
        #expect(try await httpPost("\(base)/api/providers/reload", token: old).status == 200, "not yet reloaded")
        service.signal(SIGHUP)
        var rotated = false
        for _ in 0..<100 where !rotated {
            rotated = try await httpPost("\(base)/api/providers/reload?dry_run=true", token: new).status == 200
            if !rotated { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(rotated)
        #expect(try await httpPost("\(base)/api/providers/reload?dry_run=true", token: old).status == 401, "the old token is refused")
        #expect(try await cli(workspace, ["reload"]).status == 0, "the CLI reads the new token")
    }

    /// Another program on the configured port (a leftover dev server, something started to
    /// catch tokens) must not receive the admin token.
    @Test func theCLISendsTheTokenOnlyToAnAITicker() async throws {
        let workspace = try TestWorkspace()
        let port = try freeLoopbackPort()
        try workspace.write("plugin_config.json", #"{"plugins": {"offline": {}}, "server": {"port": \#(port)}}"#)
        try workspace.write("admin_token", String(repeating: "cd", count: 32) + "\n")
        try workspace.write("impostor.py", """
            import http.server, sys
            class Handler(http.server.BaseHTTPRequestHandler):
                def answer(self):
                    with open("seen", "a") as f:
                        f.write(self.path + " " + str(self.headers.get("Authorization")) + "\\n")
                    body = b'{"status": "ok"}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_POST = answer
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
            """)
        let impostor = Process()
        impostor.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        impostor.arguments = ["python3", workspace.path("impostor.py"), String(port)]
        impostor.currentDirectoryURL = workspace.url
        impostor.standardOutput = FileHandle.nullDevice
        impostor.standardError = FileHandle.nullDevice
        try impostor.run()
        // SIGKILL: a child of the test runner may start with SIGTERM blocked.
        defer { kill(impostor.processIdentifier, SIGKILL); impostor.waitUntilExit() }
        var up = false
        for _ in 0..<100 where !up {
            up = (try? await httpGet("http://127.0.0.1:\(port)/up"))?.status == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "the impostor answers")
        let reload = try await cli(workspace, ["reload"])
        #expect(reload.status != 0 && reload.output.contains("is not ai-ticker"), "\(reload.output)")
        let seen = try String(contentsOfFile: workspace.path("seen"), encoding: .utf8)
        #expect(seen.contains("/api/health None") && !seen.contains("Bearer"), "only the public health route was asked: \(seen)")
    }

    @Test func configResetClearsOverridesAnOlderVersionStored() async throws {
        let workspace = try TestWorkspace()
        let store = try SQLiteMessageStore(path: workspace.path("ticker.sqlite"))
        try await store.setOverrides(["global_settings.custom_plugin_paths": .array([.string("/tmp")]), "ticker.interval_seconds": .number(90)])
        let port = try freeLoopbackPort()
        let service = try await startService(workspace, port: port)
        #expect(service.log.contains("global_settings.custom_plugin_paths") && service.log.contains("ignored"), "\(service.log)")
        let reset = try await cli(workspace, ["config", "reset"])
        #expect(reset.status == 0, "\(reset.output)")
        #expect(reset.output.contains("removed 2 runtime override(s)"))
        #expect(reset.output.contains("the running service reloaded"))
        #expect(try await store.overrides().isEmpty)
        let config = try await httpGet("http://127.0.0.1:\(port)/api/health")
        #expect(config.body.contains(#""interval_seconds":3600"#), "the file's interval applies again")
    }
}
