import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AITicker
@testable import TickerCore
@testable import TickerHTTP

@Suite("REST API")
struct HTTPTests {
    let token = ["TICKER_ADMIN_TOKEN": adminToken]

    @Test func theLatestMessageIs404BeforeTheFirstAndThenServedWithAnETag() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, _, client in
            let before = try await client.execute(uri: "/api/message", method: .get)
            #expect(before.status == .notFound)
            #expect(before.json["error"]?["code"] == .string("not_found"))
            let generated = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
            #expect(generated.status == .created)
            let id = try #require(generated.json["id"]?.doubleValue)
            let message = try await client.execute(uri: "/api/message", method: .get)
            #expect(message.status == .ok)
            #expect(message.json["message"] == generated.json["content"])
            #expect(message.json["id"]?.doubleValue == id)
            #expect(message.json["provider"] == .string("offline"))
            let etag = try #require(message.headers[.eTag])
            let again = try await client.execute(uri: "/api/message", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            let full = try await client.execute(uri: "/api/messages/latest", method: .get)
            #expect(full.json["attempts"]?.arrayValue.count == 1)
            #expect(full.json["source"] == .string("generated"))
        }
    }

    @Test func historyPagesWithACursorAndRejectsBadParameters() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, _, client in
            for _ in 0..<5 { _ = await services.ticks.tick(trigger: .manual) }
            let page = try await client.execute(uri: "/api/messages?limit=2", method: .get)
            #expect(page.json["messages"]?.arrayValue.compactMap { $0["id"]?.doubleValue } == [5, 4])
            #expect(page.json["next_before"]?.doubleValue == 4)
            let next = try await client.execute(uri: "/api/messages?limit=10&before=4", method: .get)
            #expect(next.json["messages"]?.arrayValue.count == 3)
            #expect(next.json["next_before"] == .null)
            for query in ["limit=abc", "limit=100000", "limit=0", "before=-1", "before=x"] {
                let bad = try await client.execute(uri: "/api/messages?\(query)", method: .get)
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.json["error"]?["code"] == .string("bad_request"))
            }
        }
    }

    @Test func oneMessageByIDOrAJSON404() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let found = try await client.execute(uri: "/api/messages/1", method: .get)
            #expect(found.status == .ok)
            #expect(found.json["attempts"]?[0]?["outcome"] == .string("success"))
            let missing = try await client.execute(uri: "/api/messages/999", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.json["error"]?["message"] == .string("no message with id 999"))
            let nonsense = try await client.execute(uri: "/api/messages/abc", method: .get)
            #expect(nonsense.status == .badRequest)
            let route = try await client.execute(uri: "/no/such/route", method: .get)
            #expect(route.status == .notFound)
            #expect(route.json["error"]?["code"] == .string("not_found"))
            let method = try await client.execute(uri: "/api/messages/1", method: .delete)
            #expect(method.status == .methodNotAllowed)
            #expect(method.json["error"]?["message"] == .string("DELETE is not allowed here; use GET, HEAD"))
        }
    }

    @Test func providersAndPluginsAreListedWithTheOriginalKeys() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"offline": {"priority": 5}, "openrouter": {"priority": 1, "config": {"api_key": "${OPENROUTER_API_KEY}"}}}"#)
        try await workspace.withApp(config: config, environment: token) { services, _, client in
            let providers = try await client.execute(uri: "/api/providers", method: .get).json
            #expect(providers["selected"] == .string("offline"))
            #expect(providers["available_providers"] == .array([.string("offline")]))
            #expect(providers["health_status"]?["openrouter"] == .bool(false))
            let openrouter = providers["providers"]?["openrouter"]
            #expect(openrouter?["id"] == .string("openrouter"), "keyed by name, as the original")
            #expect(Set((providers["ranking"]?.arrayValue ?? []).compactMap(\.stringValue)) == ["offline", "openrouter"], "the order, kept apart")
            #expect(openrouter?["available"] == .bool(false))
            #expect(openrouter?["reason"] == .string("api_key not set: OPENROUTER_API_KEY"))
            let plugins = try await client.execute(uri: "/api/plugins", method: .get).json
            let names = plugins["plugins"]?.arrayValue.compactMap { $0["name"]?.stringValue } ?? []
            #expect(plugins["total"]?.doubleValue == Double(names.count))
            #expect(Set(names).isSuperset(of: ["offline", "mock", "openai-compatible", "openai", "openrouter", "together", "deepinfra",
                                               "groq", "mistral", "ollama", "anthropic", "gemini"]))
            let offline = plugins["plugins"]?.arrayValue.first { $0["name"] == .string("offline") }
            #expect(offline?["display_name"] == .string("Offline corpus"))
            #expect(offline?["source"] == .string("builtin"))
        }
    }

    @Test func adminRoutesNeedTheBearerToken() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { _, _, client in
            let none = try await client.execute(uri: "/api/providers/reload", method: .post)
            #expect(none.status == .unauthorized)
            let wrong = try await client.execute(uri: "/api/config", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
            let right = try await client.execute(uri: "/api/config", method: .get, headers: adminHeaders)
            #expect(right.status == .ok)
        }
    }

    @Test func reloadAppliesANewFileAndRejectsAnInvalidOneKeepingTheOld() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"a": {"plugin": "mock", "priority": 1}}"#)
        try await workspace.withApp(config: config, environment: token) { services, _, client in
            try workspace.write("plugin_config.json", pluginConfig(#"{"a": {"plugin": "mock", "priority": 1}, "b": {"plugin": "mock", "priority": 0}}"#))
            let dry = try await client.execute(uri: "/api/providers/reload?dry_run=true", method: .post, headers: adminHeaders)
            #expect(dry.status == .ok)
            #expect(dry.json["dry_run"] == .bool(true))
            #expect(await services.providerStatuses().count == 1, "dry run changes nothing")
            let applied = try await client.execute(uri: "/api/providers/reload", method: .post, headers: adminHeaders)
            #expect(applied.status == .ok)
            #expect(applied.json["diff"]?["added"] == .array([.string("b")]))
            #expect(applied.json["diff"]?["unchanged"] == .array([.string("a")]))
            #expect(applied.json["status"] == .string("success") && applied.json["message"] == .string("Providers reloaded successfully"))
            #expect(applied.json["providers"] == .array([.string("b"), .string("a")]), "the original's list of names")
            #expect(applied.json["details"]?[0]?["id"] == .string("b"))

            try workspace.write("plugin_config.json", #"{"plugins": {"a": {"plugin": "mock", "priority": "high"}}}"#)
            let rejected = try await client.execute(uri: "/api/providers/reload", method: .post, headers: adminHeaders)
            #expect(rejected.status == .unprocessableContent)
            #expect(rejected.json["error"]?["code"] == .string("invalid_configuration"))
            #expect(rejected.json["error"]?["issues"]?[0]?["key"] == .string("plugins.a.priority"))
            #expect(await services.providerStatuses().map(\.id) == ["b", "a"], "the old configuration keeps running")

            try FileManager.default.removeItem(atPath: workspace.path("plugin_config.json"))
            let deleted = try await client.execute(uri: "/api/providers/reload", method: .post, headers: adminHeaders)
            #expect(deleted.status == .unprocessableContent)
            #expect(deleted.json["error"]?["message"]?.stringValue?.contains("file not found") == true)
        }
    }

    @Test func configShowsSourcesAndRuntimeOverridesApplyAtOnce() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, source, client in
            _ = await services.ticks.tick(trigger: .manual)
            await services.scheduler.start(services.configuration.value.channels)
            defer { services.scheduler.stop() }
            // The new interval counts from the latest message, made just before.
            let made = try #require(try await services.store.latest()?.createdAt)
            let patched = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                   body: ByteBuffer(string: #"{"ticker.interval_seconds": 42}"#))
            #expect(patched.status == .ok)
            let entry = patched.json["config"]?.arrayValue.first { $0["key"] == .string("ticker.interval_seconds") }
            #expect(entry?["value"]?.doubleValue == 42)
            #expect(entry?["source"] == .string("runtime"))
            #expect(source.nextFireDate(defaultChannel).map { abs($0.timeIntervalSince(made) - 42) < 1 } == true, "the timer was rescheduled")
            #expect(try await services.store.overrides()["ticker.interval_seconds"] == .number(42))

            for body in [#"{"ticker.interval_seconds": "soon"}"#, #"{"ticker.interval_seconds": 0}"#, #"{"no.such.key": 1}"#,
                         #"{"server.port": 9000}"#, #"{"plugins.ghost.priority": 1}"#, #"{"channels.ghost.profile": "default"}"#, #"{"plugins.offline.config.api_key": "sk-1"}"#,
                         #"{"ticker.admin_token": "x"}"#] {
                let bad = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: body))
                #expect(bad.status == .unprocessableContent, "\(body)")
            }
            let garbage = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders, body: ByteBuffer(string: "[1,2"))
            #expect(garbage.status == .badRequest)
            let huge = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                body: ByteBuffer(string: String(repeating: "a", count: 100_000)))
            #expect(huge.status == .contentTooLarge)
            #expect(services.configuration.value.ticker.intervalSeconds == 42, "rejected changes change nothing")

            let removed = try await client.execute(uri: "/api/config/ticker.interval_seconds", method: .delete, headers: adminHeaders)
            #expect(removed.status == .ok)
            #expect(source.nextFireDate(defaultChannel).map { abs($0.timeIntervalSince(made) - 300) < 1 } == true)
            let again = try await client.execute(uri: "/api/config/ticker.interval_seconds", method: .delete, headers: adminHeaders)
            #expect(again.status == .notFound)
        }
    }

    @Test func generateReportsAttemptsWhenEveryProviderFails() async throws {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"down": {"plugin": "mock", "config": {"extra_params": {"failure": "rate_limited", "retry_after": 30}}}}"#)
        try await workspace.withApp(config: config, environment: token) { _, _, client in
            let response = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
            #expect(response.status == .badGateway)
            #expect(response.json["error"]?["attempts"]?[0]?["error_class"] == .string("rate_limited"))
            let providers = try await client.execute(uri: "/api/providers", method: .get).json
            #expect(providers["providers"]?["down"]?["health"]?["cooldown_until"] != nil)
            let ticks = try await client.execute(uri: "/api/ticks?limit=5", method: .get).json
            #expect(ticks["ticks"]?[0]?["outcome"] == .string("failed"))
            #expect(ticks["ticks"]?[0]?["attempts"]?[0]?["error_class"] == .string("rate_limited"))
        }
        let none = pluginConfig(#"{"off": {"plugin": "mock", "enabled": false}}"#)
        try await workspace.withApp(config: none, environment: token) { _, _, client in
            let response = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
            #expect(response.status == .serviceUnavailable)
        }
    }

    @Test func healthReportsDatabaseSchedulerAndProvidersWithoutCallingThem() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            let health = try await client.execute(uri: "/api/health", method: .get)
            #expect(health.status == .ok)
            #expect(health.json["status"] == .string("healthy"), "the original's word")
            #expect(health.json["providers"] == .object(["offline": .bool(true)]), "name → healthy, as the original")
            #expect(health.json["cache_size"] == .number(1))
            #expect((health.json["timestamp"]?.doubleValue ?? 0) > Date().timeIntervalSince1970 - 60)
            let summary = health.json["summary"]
            #expect(summary?["database"]?["ok"] == .bool(true))
            #expect(summary?["database"]?["path"] == nil, "no file path on a public route")
            #expect(summary?["scheduler"]?["last_tick"]?["outcome"] == .string("stored"))
            #expect(summary?["providers"]?["selected"] == .string("offline"))
            #expect(summary?["cluster"]?["role"] == .string("leader"), "one instance on SQLite always leads")
            #expect(summary?["cluster"]?["leader"] == summary?["cluster"]?["instance"])
        }
    }

    @Test func metricsAreInPrometheusFormat() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: token) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            _ = try await client.execute(uri: "/api/message", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains(#"ai_ticker_ticks_total{channel="default",outcome="stored"} 1"#))
            #expect(metrics.text.contains(#"ai_ticker_generations_total{provider="offline",outcome="success"} 1"#))
            #expect(metrics.text.contains(#"ai_ticker_http_requests_total{route="/api/message",method="GET",status="200"} 1"#))
        }
    }

    @Test func theOpenAPIDocumentAndTheRouterListTheSameRoutes() async throws {
        let workspace = try TestWorkspace()
        let (services, _) = try await workspace.services()
        let routes = Set(buildRouter(services).routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" })
        let document = try JSONDecoder().decode(JSONValue.self, from: OpenAPIDocument.bytes)
        var documented = Set<String>()
        for (path, operations) in document["paths"]?.objectValue ?? [:] {
            for method in operations.objectValue?.keys ?? [:].keys { documented.insert("\(method) \(path)") }
        }
        #expect(!routes.isEmpty)
        #expect(routes == documented)
    }

    @Test func anAPIKeyNeverAppearsInAnyResponse() async throws {
        let workspace = try TestWorkspace()
        let canary = "sk-canary-7f3a9c"
        let config = pluginConfig(#"{"m": {"plugin": "mock", "config": {"api_key": "${MOCK_KEY}"}}}"#)
        try await workspace.withApp(config: config, environment: token.merging(["MOCK_KEY": canary]) { $1 }) { services, _, client in
            _ = await services.ticks.tick(trigger: .manual)
            for (uri, method) in [("/api/message", HTTPRequest.Method.get), ("/api/messages/latest", .get), ("/api/messages", .get),
                                  ("/api/providers", .get), ("/api/plugins", .get), ("/api/health", .get), ("/api/config", .get),
                                  ("/api/providers/reload", .post), ("/metrics", .get), ("/api/messages/generate", .post)] {
                let response = try await client.execute(uri: uri, method: method, headers: adminHeaders)
                #expect(!response.text.contains(canary), "\(uri)")
                #expect(response.status.code < 500, "\(uri)")
            }
        }
    }
}
