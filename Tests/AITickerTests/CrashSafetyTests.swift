import AITicker
import Foundation
import GRDB
import Synchronization
import Testing

@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    /// Kills the service with SIGKILL again and again while messages are being written; every
    /// message the API acknowledged must survive, and the database must stay intact.
    @Test func sigkillWhileWritingLosesNoAcknowledgedMessage() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "crash test {n} \#(UUID().uuidString)"}}}}, "ticker": {"dedupe_window": 0, "interval_seconds": 3600}}"#)
        let acknowledged = Acknowledged()
        let rounds = 20
        for round in 0..<rounds {
            let service = try ServiceProcess(arguments: ["--port", "0"], directory: workspace.url)
            let port = try await service.port()
            let writer = Task {
                while !Task.isCancelled {
                    guard let (status, body) = try? await httpPost("http://127.0.0.1:\(port)/api/messages/generate") else { return }
                    if status == 201, let message = try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)),
                       let id = message.objectValue?["id"]?.doubleValue, let content = message.objectValue?["content"]?.stringValue {
                        acknowledged.values.withLock { $0[Int64(id)] = content }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(150 + 40 * round))
            service.signal(SIGKILL)
            #expect(try await service.exitStatus() == 9 || service.process.terminationReason == .uncaughtSignal)
            writer.cancel()
            _ = await writer.result
        }
        let saved = acknowledged.values.withLock { $0 }
        #expect(saved.count > rounds, "messages were acknowledged between kills")
        let database = try DatabaseQueue(path: workspace.path("ticker.sqlite"))
        let integrity = try await database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == ["ok"])
        let stored = try await database.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, content FROM messages").map { ($0["id"] as Int64, $0["content"] as String) })
        }
        for (id, content) in saved { #expect(stored[id] == content, "acknowledged message \(id) is missing") }
        print("crash-safety: \(rounds) SIGKILLs, \(saved.count) acknowledged messages, all present; integrity ok")
    }
}

/// Messages the API answered 201 for, by id, shared with the writer task.
final class Acknowledged: Sendable {
    let values = Mutex<[Int64: String]>([:])
}
