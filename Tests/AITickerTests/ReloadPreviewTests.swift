import Foundation
import Testing
@testable import AITicker
@testable import TickerCore

/// The console shows what a reload would change before it is applied.
@Suite("Reload preview")
struct ReloadPreviewTests {
    static func json(_ text: String) -> JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    @Test func aDryRunAnswersTheDiffAndAppliesNothing() async throws {
        let workspace = try TestWorkspace()
        let before = #"{"plugins": {"a": {"plugin": "mock"}, "b": {"plugin": "mock"}}, "channels": {"lobby": {}}}"#
        try await workspace.withApp(config: before, environment: ["TICKER_ADMIN_TOKEN": adminToken]) { services, _, client in
            _ = try workspace.write("plugin_config.json",
                                    #"{"plugins": {"a": {"plugin": "mock", "priority": 5}, "c": {"plugin": "mock"}}, "channels": {"news": {}}}"#)
            let preview = try await client.execute(uri: "/api/providers/reload?dry_run=true", method: .post, headers: adminHeaders)
            #expect(preview.status == .ok)
            #expect(preview.json["diff"] == Self.json(#"{"added": ["c"], "removed": ["b"], "changed": ["a"], "unchanged": []}"#), "\(preview.text)")
            #expect(preview.json["channels"] == Self.json(#"{"added": ["news"], "removed": ["lobby"], "changed": [], "unchanged": ["default"]}"#), "\(preview.text)")
            #expect(services.configuration.value.providers.map(\.id) == ["a", "b"], "nothing applied")
            let applied = try await client.execute(uri: "/api/providers/reload", method: .post, headers: adminHeaders)
            #expect(applied.json["diff"] == preview.json["diff"])
        }
    }
}
