import Foundation
import HummingbirdTesting
import NIOCore
import Testing
@testable import AITicker
@testable import TickerCore

@Suite("The API on PostgreSQL", .postgres)
struct PostgresAPITests {
    /// The same ticks, overrides and requests against a service on SQLite and one on PostgreSQL:
    /// every body is the same but for the times and durations of the run.
    @Test func everyResponseIsTheSameOnBothStores() async throws {
        let onSQLite = try await responses(environment: [:])
        let onPostgres = try await responses(environment: ["DATABASE_URL": try await cluster().database()])
        #expect(onSQLite.count == 13)
        for (sqlite, postgres) in zip(onSQLite, onPostgres) { #expect(sqlite == postgres) }
    }

    func responses(environment: [String: String]) async throws -> [String] {
        let workspace = try TestWorkspace()
        let config = pluginConfig(#"{"m": {"plugin": "mock", "config": {"extra_params": {"content": "Message number {n} from the mock"}}}}"#)
        return try await workspace.withApp(config: config, environment: environment.merging(["TICKER_ADMIN_TOKEN": adminToken]) { $1 },
                                           live: true) { services, _, client in
            // On PostgreSQL the running service first takes the leader lock.
            for _ in 0..<200 where !services.ticks.leadership.isLeader { try await Task.sleep(for: .milliseconds(50)) }
            var bodies: [String] = []
            for _ in 0..<3 {
                let generated = try await client.execute(uri: "/api/messages/generate", method: .post, headers: adminHeaders)
                bodies.append("generate \(generated.status.code) \(Self.normalized(generated.text))")
            }
            let patched = try await client.execute(uri: "/api/config", method: .patch, headers: jsonHeaders,
                                                   body: ByteBuffer(string: #"{"ticker.fuzzy_threshold": 90}"#))
            bodies.append("patch \(patched.status.code)")
            for uri in ["/api/message", "/api/messages/latest", "/api/messages?limit=2", "/api/messages?limit=2&before=2", "/api/messages/2",
                        "/api/messages/99", "/api/messages?before=abc", "/api/ticks?limit=5"] {
                let response = try await client.execute(uri: uri, method: .get, headers: adminHeaders)
                bodies.append("\(uri) \(response.status.code) \(Self.normalized(response.text))")
            }
            #expect(try await services.store.overrides() == ["ticker.fuzzy_threshold": .number(90)])
            _ = try await client.execute(uri: "/api/config/ticker.fuzzy_threshold", method: .delete, headers: adminHeaders)
            bodies.append("overrides after delete: \(try await services.store.overrides())")
            return bodies
        }
    }

    /// Times and measured durations differ from run to run; everything else must not.
    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: #""(created_at|started_at|finished_at|updated_at)":"[^"]*""#, with: #""$1":"T""#, options: .regularExpression)
            .replacingOccurrences(of: #""(latency_ms|duration_ms)":[0-9.e+-]+"#, with: #""$1":0"#, options: .regularExpression)
    }
}
