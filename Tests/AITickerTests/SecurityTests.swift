import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerHTTP
@testable import TickerProviders
@testable import TickerStorage

/// README, REST API: admin routes always need the token, browsers and other hosts are kept out, failed
/// authentications are limited, and nothing on the HTTP API runs a program, reads a file or sends
/// a key somewhere new.
@Suite("Secure by default")
struct SecurityTests {
    /// The token the service wrote into the workspace (the state directory: next to the database).
    func generatedToken(_ workspace: TestWorkspace) throws -> String {
        try String(contentsOfFile: workspace.path("admin_token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func withoutATokenTheFirstStartCreatesOneThatLoopbackClientsNeedToo() async throws {
        let workspace = try TestWorkspace()
        let token = try await workspace.withApp(live: true) { _, _, client in
            let token = try generatedToken(workspace)
            #expect(token.count == 64 && token.allSatisfy(\.isHexDigit), "256 random bits, hex")
            let mode = try FileManager.default.attributesOfItem(atPath: workspace.path("admin_token"))[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let loopback = try await client.execute(uri: "/api/config", method: .get)
            #expect(loopback.status == .unauthorized, "a loopback client without the token is not an admin")
            #expect(loopback.text.contains(workspace.path("admin_token")), "the error says where the token is")
            let admin = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(admin.status == .ok)
            #expect(!admin.text.contains(token))
            #expect(admin.text.contains(#""source":"\#(workspace.path("admin_token"))"#) || admin.text.contains("admin_token"))
            return token
        }
        try await workspace.withApp(live: true) { _, _, _ in
            let again = try generatedToken(workspace)
            #expect(again == token, "the next start keeps the token")
        }
    }

    @Test func aCrossOriginFormPostADNSRebindingRequestAndAProxiedRequestGetNothing() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(live: true) { services, _, client in
            let token = try generatedToken(workspace)
            let form = try await client.execute(uri: "/api/messages/generate", method: .post,
                                                headers: [.origin: "http://evil.example", .contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "a=b"))
            #expect(form.status == .forbidden)
            let withToken = try await client.execute(uri: "/api/messages/generate", method: .post,
                                                     headers: [.origin: "http://evil.example", .authorization: "Bearer \(token)"])
            #expect(withToken.status == .forbidden, "another origin is refused even with the token")
            #expect(try await services.store.latest() == nil, "nothing was generated")
            let port = client.port!
            let rebinding = try await rawHTTP(port: port, "POST /api/providers/reload HTTP/1.1\nHost: evil.example:8080\nContent-Length: 0\nConnection: close\n\n")
            #expect(rebinding.status == 421)
            let read = try await rawHTTP(port: port, "GET /api/providers HTTP/1.1\nHost: evil.example:8080\nConnection: close\n\n")
            #expect(read.status == 421, "when listening on loopback every route checks Host")
            let proxied = try await rawHTTP(port: port, "POST /api/providers/reload HTTP/1.1\nHost: 127.0.0.1:\(port)\nX-Forwarded-For: 203.0.113.9\nContent-Length: 0\nConnection: close\n\n")
            #expect(proxied.status == 401)
            let own = try await rawHTTP(port: port, "GET /api/config HTTP/1.1\nHost: localhost:\(port)\nOrigin: http://localhost:\(port)\nAuthorization: Bearer \(token)\nConnection: close\n\n")
            #expect(own.status == 200, "the service's own origin is fine")
            #expect(!own.text.lowercased().contains("access-control-allow"), "no CORS headers")
        }
    }

    @Test func allowedHostsAndOriginsAddExactlyWhatIsListed() {
        let access = AccessConfiguration(listensOnLoopback: true, allowedHosts: ["ticker.example.org", "*.screens.example"],
                                         allowedOrigins: ["https://dash.example.org"])
        for host in ["localhost", "127.0.0.1", "::1", "ticker.example.org", "a.screens.example"] {
            #expect(HostCheck.allows(host: host, server: "127.0.0.1", access: access), "\(host)")
        }
        for host in ["evil.example", "ticker.example.org.evil.example", "screens.example.evil", "localhost.evil.example", "127.0.0.1.nip.io"] {
            #expect(!HostCheck.allows(host: host, server: "127.0.0.1", access: access), "\(host)")
        }
        #expect(HostCheck.hostname("[::1]:8080") == "::1")
        #expect(HostCheck.hostname("Ticker.Example.org:443") == "ticker.example.org")
        #expect(HostCheck.allowsOrigin("https://ticker.example.org", authority: "ticker.example.org", access: access))
        #expect(HostCheck.allowsOrigin("https://dash.example.org", authority: "127.0.0.1:8080", access: access))
        #expect(!HostCheck.allowsOrigin("null", authority: "127.0.0.1:8080", access: access))
        #expect(!HostCheck.allowsOrigin("http://127.0.0.1:8081", authority: "127.0.0.1:8080", access: access))
    }

    @Test func bruteForcingTheTokenIsRefusedAndCountedWithoutLockingTheOperatorOut() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, client in
            for attempt in 1...AdminAuthMiddleware.failureLimit.requests {
                let response = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer guess-\(attempt)"])
                #expect(response.status == .unauthorized)
            }
            let locked = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer guess-next"])
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let right = try await client.execute(uri: "/api/config", method: .get, headers: adminHeaders)
            #expect(right.status == .ok, "the right token is accepted whatever failed before: strangers cannot lock the operator out")
            let again = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer guess-again"])
            #expect(again.status == .tooManyRequests, "a wrong one is still refused at once")
            #expect(try await client.execute(uri: "/api/message", method: .get).status != .tooManyRequests, "read routes stay open")
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"ai_ticker_admin_auth_failures_total{reason="wrong_token"} 10"#))
            #expect(metrics.contains(#"ai_ticker_admin_auth_failures_total{reason="locked_out"} 2"#))
            #expect(!metrics.contains("guess-"))
        }
    }

    @Test func theForwardedClientIsBelievedOnlyFromATrustedProxyAndReadFromTheRight() {
        let trusted = ["127.0.0.1", "10.0.0.0/8", "fd00::/8"].compactMap(AddressRange.init)
        #expect(trusted.count == 3 && AddressRange("10.0.0.0/33") == nil && AddressRange("proxy.example") == nil)
        func client(_ peer: String, _ header: [String]) -> String { ClientAddress.resolve(peer: peer, forwardedFor: header, trusted: trusted) }
        #expect(client("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9", "an untrusted peer's header is ignored")
        #expect(client("127.0.0.1", ["198.51.100.1"]) == "198.51.100.1")
        #expect(client("::ffff:127.0.0.1", ["198.51.100.1"]) == "198.51.100.1", "IPv4-mapped peers match IPv4 entries")
        #expect(client("127.0.0.1", ["6.6.6.6, 198.51.100.1, 10.1.2.3"]) == "198.51.100.1", "what the client wrote itself is skipped")
        #expect(client("fd00::1", ["198.51.100.1", "10.9.9.9"]) == "198.51.100.1", "repeated headers are one list")
        #expect(client("127.0.0.1", ["not-an-address"]) == "127.0.0.1", "garbage counts as the proxy itself")
        #expect(client("127.0.0.1", []) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["198.51.100.1"], trusted: []) == "127.0.0.1", "no proxies trusted by default")
    }

    /// Ten `<img>` tags on any web page pointing at an admin route used to lock the CLI out.
    @Test func requestsRefusedForTheirOriginDoNotCountAsFailures() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, client in
            for _ in 0..<(AdminAuthMiddleware.failureLimit.requests * 2) {
                let page = try await client.execute(uri: "/api/config", method: .get, headers: [.origin: "https://evil.example"])
                #expect(page.status == .forbidden)
            }
            let wrong = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer guess"])
            #expect(wrong.status == .unauthorized, "not locked out by what a web page sent")
        }
    }

    @Test func anOversizedConfigBodyIsRefused() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            let body = #"{"ticker.interval_seconds": 60, "pad": ""# + String(repeating: "x", count: 200_000) + #""}"#
            let response = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: body))
            #expect(response.status == .contentTooLarge)
            #expect(try await services.store.overrides().isEmpty)
        }
    }

    @Test func noOverrideCanRunAProgramReadAFileOrSendTheKeyElsewhere() async throws {
        let workspace = try TestWorkspace()
        let marker = workspace.path("evil-ran")
        try workspace.write("elsewhere/evil/plugin.json", #"""
            {"name": "evil", "version": "1.0.0", "author": "x", "description": "x", "api_version": "v1", "requires": [],
             "command": ["/bin/sh", "-c", "touch \#(marker)"]}
            """#)
        try workspace.write("key", "sk-one-line-key-000111\n")
        let config = pluginConfig(#"{"offline": {"priority": 1}, "openrouter": {"priority": 2, "enabled": false, "config": {"api_key_file": "\#(workspace.path("key"))"}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            let attacks: [String] = [
                #"{"global_settings.custom_plugin_paths": ["\#(workspace.path("elsewhere"))"], "plugins.offline.plugin": "evil"}"#,
                #"{"plugins.offline.plugin": "openrouter"}"#,
                #"{"plugins.openrouter.config.api_key_file": "/etc/shadow"}"#,
                #"{"plugins.openrouter.config.base_url": "http://127.0.0.1:18900/v1"}"#,
                #"{"global_settings.python": "/bin/sh"}"#,
                #"{"plugins.offline.python": "/bin/sh"}"#,
                #"{"ticker.prompts_file": "/etc/passwd"}"#,
                #"{"database.path": "/tmp/elsewhere.sqlite"}"#,
                #"{"logging.file": "/tmp/log"}"#,
                #"{"ticker.admin_token_file": "/etc/shadow"}"#,
                #"{"server.allowed_origins": ["http://evil.example"]}"#,
            ]
            for attack in attacks {
                let response = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: attack))
                #expect(response.status == .unprocessableContent, "\(attack)")
                #expect(response.text.contains("not settable at runtime"), "\(attack)")
            }
            for forged in [#"{"plugins.openrouter.config.model": "x/y\u0000\nINFO forged line"}"#, #"{"plugins.offline.config.default_model": "a\u001b]0;title\u0007"}"#] {
                let response = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: forged))
                #expect(response.status == .unprocessableContent, "\(forged)")
                #expect(response.text.contains("control characters"), "\(response.text)")
            }
            #expect(try await services.store.overrides().isEmpty, "nothing was persisted")
            #expect(!FileManager.default.fileExists(atPath: marker), "no program ran")
            let statuses = try await client.execute(uri: "/api/providers", method: .get).text
            #expect(!statuses.contains("18900") && !statuses.contains("sk-one-line"))

            let knobs = #"{"logging.level": "debug", "plugins.offline.priority": 5, "plugins.openrouter.config.model": "x/y", "ticker.interval_seconds": 60}"#
            let applied = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: knobs))
            #expect(applied.status == .ok)
            #expect(services.logger.logLevel == .debug, "the log level takes effect at once")
            #expect(await services.providerStatuses().first { $0.id == "offline" }?.priority == 5)
        }
    }

    /// The service uses a token file only when it is its user's own with mode 0600 (or
    /// stricter), as OpenSSH a private key; a dangling link where the token should be is an
    /// error, not admin routes silently off. The CLI, often another user under sudo, only reads.
    @Test func aTokenFileIsRefusedUnlessTheServicesOwnAndPrivateAndADanglingLinkIsAnError() throws {
        let workspace = try TestWorkspace()
        try workspace.write(".env", "")
        let token = workspace.path("admin_token")
        let load = { (service: Bool) throws -> AppConfiguration in
            var loader = ConfigurationLoader(sources: try workspace.sources(config: #"{"plugins": {"offline": {}}}"#), registry: .builtin,
                                             listsPythonPlugins: false)
            loader.createsAdminToken = service
            return try loader.load()
        }
        let refusal = { (service: Bool) -> String? in
            do {
                _ = try load(service)
                return nil
            } catch {
                return (error as? ConfigurationError)?.issues.map { "\($0)" }.joined(separator: "; ") ?? "\(error)"
            }
        }
        try workspace.write("admin_token", String(repeating: "ab", count: 32) + "\n")
        chmod(token, 0o644)
        #expect(refusal(true)?.contains("has mode 644, so other users may read or change it: chmod 600 \(token)") == true, "\(refusal(true) ?? "accepted")")
        #expect(try load(false).adminToken.value != nil, "the CLI reads it")
        chmod(token, 0o600)
        #expect(try load(true).adminToken.value == String(repeating: "ab", count: 32))
        if geteuid() == 0 {  // only root can give a file away
            chown(token, 65534, 65534)
            #expect(refusal(true)?.contains("belongs to uid 65534, not to the service's user (uid 0)") == true, "\(refusal(true) ?? "accepted")")
            chown(token, 0, 0)
        }
        #expect(refusal(true) == nil, "back to the service's own file")
        try FileManager.default.removeItem(atPath: token)
        try FileManager.default.createSymbolicLink(atPath: token, withDestinationPath: workspace.path("moved/admin_token"))
        for service in [true, false] {
            #expect(refusal(service)?.contains("\(token) is a symbolic link to \(workspace.path("moved/admin_token")), which does not exist") == true,
                    "\(refusal(service) ?? "accepted")")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.path("moved/admin_token")), "no token was created through the link")
        for line in (refusal(true) ?? "").split(separator: ";") { #expect(!line.contains("abab"), "no content quoted") }
    }

    @Test func aPersistedOverrideThatIsNoLongerAllowedIsIgnoredWithAWarning() async throws {
        let workspace = try TestWorkspace()
        let store = try SQLiteMessageStore(path: workspace.path("ticker.sqlite"))
        try await store.setOverrides(["global_settings.custom_plugin_paths": .array([.string("/tmp")]), "plugins.offline.plugin": .string("evil"),
                                      "ticker.interval_seconds": .number(90)])
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            let configuration = services.configuration.value
            #expect(configuration.routing.customPluginPaths == ["plugins/custom"])
            #expect(configuration.providers.first?.plugin == "offline")
            #expect(configuration.ticker.intervalSeconds == 90, "allowed overrides still apply")
            let warnings = configuration.warnings.filter { $0.source == "runtime override" }.compactMap(\.key)
            #expect(Set(warnings) == ["global_settings.custom_plugin_paths", "plugins.offline.plugin"])
            let removed = try await client.execute(uri: "/api/config/plugins.offline.plugin", method: .delete, headers: adminHeaders)
            #expect(removed.status == .ok, "an override that is not allowed can still be removed")
            #expect(try await services.store.overrides()["plugins.offline.plugin"] == nil)
        }
    }

    @Test func onlyEnabledPluginsAreStarted() async throws {
        let workspace = try TestWorkspace()
        let marker = workspace.path("started")
        try writePythonPlugin(workspace, name: "sleeper", startup: "open(\(String(reflecting: marker)), 'a').write('x')")
        let config = pluginConfig(#"{"sleeper": {"enabled": false, "priority": 1}, "offline": {"priority": 2}}"#,
                                  global: #""custom_plugin_paths": ["\#(workspace.path("plugins"))"]"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            #expect(!FileManager.default.fileExists(atPath: marker), "a disabled plugin is not started")
            let status = await services.providerStatuses().first { $0.id == "sleeper" }
            #expect(status?.reason?.contains("disabled") == true)
            let enable = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                  body: ByteBuffer(string: #"{"plugins.sleeper.enabled": true}"#))
            #expect(enable.status == .ok)
            #expect(FileManager.default.fileExists(atPath: marker), "enabling starts it")
            #expect(await services.providerStatuses().first { $0.id == "sleeper" }?.available == true)
        }
    }

    @Test func aKeyFileOfSeveralLinesIsAnErrorThatQuotesNothing() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("ai-ticker.env", "OPENROUTER_API_KEY=sk-or-v1-secretpart\nTICKER_ADMIN_TOKEN=hunter2-token-value\n")
        let config = pluginConfig(#"{"openrouter": {"config": {"api_key_file": "\#(workspace.path("ai-ticker.env"))"}}}"#)
        try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            let reason = await services.providerStatuses().first?.reason ?? ""
            #expect(reason.contains("2 lines"), "\(reason)")
            #expect(reason.contains(workspace.path("ai-ticker.env")))
            for uri in ["/api/providers", "/api/config", "/api/health"] {
                let text = try await client.execute(uri: uri, method: .get, headers: adminHeaders).text
                #expect(!text.contains("secretpart") && !text.contains("hunter2"), "\(uri)")
            }
        }
    }

    @Test func aProviderEchoingItsKeyIsRejectedAndTheKeyIsRedactedInEveryForm() async throws {
        let key = "sk-test-Zq8wL3mN5pR7tV9x"
        let vendor = FakeVendor()
        try await vendor.run { base in
            let workspace = try TestWorkspace()
            let config = pluginConfig(#"{"echo": {"plugin": "openai-compatible", "config": {"base_url": "\#(base)/v1", "model": "m", "api_key": "${ECHO_KEY}"}}}"#)
            let base64 = Data(key.utf8).base64EncodedString()
            vendor.script(
                .json(200, #"{"id":"1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"my key is \#(key)"},"finish_reason":"stop"}]}"#),
                .json(401, #"{"error":{"message":"Incorrect API key provided: \#(key.prefix(14))****. Also \#(key.uppercased()), \#(base64), \#(key.replacingOccurrences(of: "-", with: "%2D"))","type":"invalid_request_error"}}"#)
            )
            try await workspace.withApp(config: config, environment: ["TICKER_ADMIN_TOKEN": adminToken, "ECHO_KEY": key]) { services, _, client in
                guard case .failed(let attempts, _) = await services.ticks.tick(trigger: .manual) else { Issue.record("the echo must not be stored"); return }
                #expect(attempts.first?.outcome == .rejected)
                #expect(attempts.first?.detail?.contains("configured secret") == true)
                _ = await services.ticks.tick(trigger: .manual)
                #expect(try await services.store.latest() == nil)
                let leaks = [key, String(key.prefix(14)), key.uppercased(), base64, key.replacingOccurrences(of: "-", with: "%2D")]
                for uri in ["/api/ticks", "/api/providers", "/api/health", "/api/messages", "/api/config"] {
                    let text = try await client.execute(uri: uri, method: .get, headers: adminHeaders).text
                    for leak in leaks { #expect(!text.contains(leak), "\(uri) shows \(leak)") }
                }
                let ticks = try await services.store.recentTicks(limit: 10)
                #expect(ticks.count == 2)
                #expect(ticks.contains { $0.attempts.contains { $0.detail?.contains("Incorrect API key provided: ***") == true } })
            }
        }
    }

    @Test func theRedactorCoversTheUsualFormsOfAKey() {
        let key = "sk-live-ABCdef123456789"
        let redactor = SecretRedactor(secrets: [key, "ab"])
        let base64 = Data(key.utf8).base64EncodedString()
        for text in ["Bearer \(key)", key.uppercased(), key.lowercased(), "key=\(base64)", "token: \(key.prefix(12))…",
                     "Basic \(base64.replacingOccurrences(of: "=", with: ""))"] {
            #expect(!redactor.redact(text).contains(String(key.prefix(12))), "\(text)")
            #expect(redactor.redact(text).contains("***"), "\(text)")
            #expect(redactor.appears(in: text))
        }
        #expect(redactor.redact("abacus sk-live plain") == "abacus sk-live plain", "short secrets and short prefixes are left alone")
        #expect(!redactor.appears(in: "a normal ticker line about sk-live markets"))
    }

    /// Public routes cut file paths to their last component; URLs and the API's own routes stay.
    @Test func publicTextKeepsNoFilePath() {
        #expect(PublicText.withoutPaths("cannot load my_provider.py: ModuleNotFoundError: No module named 'httpx'; python 3.11.7 at /usr/bin/python3")
                == "cannot load my_provider.py: ModuleNotFoundError: No module named 'httpx'; python 3.11.7 at python3")
        #expect(PublicText.withoutPaths(#"Python interpreter "/opt/venv/bin/python" not found"#) == #"Python interpreter "python" not found"#)
        #expect(PublicText.withoutPaths("/var/lib/ai-ticker/ticker.sqlite failed its integrity check") == "ticker.sqlite failed its integrity check")
        #expect(PublicText.withoutPaths("see /api/ticks; upstream https://openrouter.ai/api/v1/chat said 500") == "see /api/ticks; upstream https://openrouter.ai/api/v1/chat said 500")
        // An attempt is stored and served as it encodes.
        let attempt = Attempt(provider: "p", outcome: .failure, errorClass: .unavailable, detail: "plugin p could not start: cannot run /opt/venv/bin/python3")
        let encoded = String(decoding: try! JSONEncoder().encode(attempt), as: UTF8.self)
        #expect(encoded.contains("cannot run python3") && !encoded.contains("/opt/venv"), "\(encoded)")
    }

    /// What a model or a library makes of a key it echoes: spaced out, in groups, reversed.
    @Test func theRedactorCatchesAKeySpacedGroupedOrReversed() {
        let key = "sk-live-ABCdef123456789"
        let redactor = SecretRedactor(secrets: [key])
        func groups(_ text: String, _ size: Int, _ separator: String) -> String {
            stride(from: 0, to: text.count, by: size).map { String(Array(text)[$0..<min($0 + size, text.count)]) }.joined(separator: separator)
        }
        let reversed = String(key.reversed())
        let variants = [key.map(String.init).joined(separator: " "), groups(key, 4, " "), groups(key, 4, "-"), groups(key, 5, "\n"),
                        groups(key.uppercased(), 3, ". "), reversed, groups(reversed, 4, " "), String(key.prefix(14)).map(String.init).joined(separator: " ")]
        for variant in variants {
            #expect(redactor.redact("note: \(variant) end") == "note: *** end", "\(variant)")
            #expect(redactor.appears(in: "the key is \(variant)"), "\(variant)")
        }
        for ordinary in ["s k i l l s and live music", "sk - live - markets are up", "prices 1234 5678 9 rose", "a - b - c - d - e - f - g - h"] {
            #expect(redactor.redact(ordinary) == ordinary, "\(ordinary)")
        }
    }
}
