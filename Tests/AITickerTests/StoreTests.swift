import Foundation
import GRDB
import Testing
@testable import AITicker

@Suite("SQLite message store")
struct StoreTests {
    func draft(_ content: String, source: MessageSource = .generated) -> NewMessage {
        NewMessage(content: content, provider: "p1", providerName: "mock", model: "m", usage: Usage(promptTokens: 3, completionTokens: 4),
                   finishReason: "stop", responseID: "r", profile: "default", latencyMs: 1.5, createdAt: Date(),
                   source: source, attempts: [Attempt(provider: "p1", outcome: .success, durationMs: 1.5)])
    }

    @Test func aStoredMessageReadsBackWithItsAttempts() async throws {
        let workspace = try TestWorkspace()
        let store = try SQLiteMessageStore(path: workspace.path("t.sqlite"))
        let stored = try await store.insert(draft("hello"), retention: 100).message
        let read = try await store.message(id: stored.id)
        #expect(read.content == "hello")
        #expect(read.usage.totalTokens == 7)
        #expect(read.attempts == [Attempt(provider: "p1", outcome: .success, durationMs: 1.5)])
        #expect(abs(read.createdAt.timeIntervalSince(stored.createdAt)) < 0.001)
        #expect(try await store.latest()?.id == stored.id)
    }

    /// A record written in an older shape of `Message` is not served: it is rebuilt from the columns.
    @Test func aRecordOfAnOlderVersionIsRebuiltFromTheColumns() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("v.sqlite")
        let store = try SQLiteMessageStore(path: path)
        let stored = try await store.insert(draft("current shape"), retention: 100).message
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: #"UPDATE messages SET record = '{"id":1,"old":"shape"}', record_version = 0 WHERE id = ?"#, arguments: [stored.id])
        }
        let page = try await store.encodedMessages(limit: 10, before: nil)
        let decoded = try JSONCoding.decoder.decode(Message.self, from: try #require(page.first).json)
        #expect(decoded.id == stored.id && decoded.content == "current shape" && decoded.attempts == stored.attempts)
    }

    @Test func historyPagesAreTheStoredRecordsAndRowsWithoutOneAreEncodedOnTheFly() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("r.sqlite")
        let store = try SQLiteMessageStore(path: path)
        let first = try await store.insert(draft("first"), retention: 100).message
        let second = try await store.insert(draft("second"), retention: 100).message
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "UPDATE messages SET record = NULL WHERE id = ?", arguments: [first.id]) }
        let page = try await store.encodedMessages(limit: 10, before: nil)
        #expect(page.map(\.id) == [second.id, first.id])
        let decoded = try page.map { try JSONCoding.decoder.decode(Message.self, from: $0.json) }
        #expect(decoded.map(\.content) == ["second", "first"])
        #expect(decoded[1].attempts == first.attempts)
    }

    @Test func anUnknownIDIsNotFound() async throws {
        let store = try SQLiteMessageStore(path: ":memory:")
        await #expect(throws: StoreError.notFound(42)) { try await store.message(id: 42) }
    }

    @Test func historyPagesNewestFirstWithACursor() async throws {
        let store = try SQLiteMessageStore(path: ":memory:")
        for index in 1...5 { _ = try await store.insert(draft("m\(index)"), retention: 100) }
        let first = try await store.messages(limit: 2, before: nil)
        #expect(first.map(\.content) == ["m5", "m4"])
        let second = try await store.messages(limit: 2, before: first.last!.id)
        #expect(second.map(\.content) == ["m3", "m2"])
    }

    @Test func retentionBoundsTheTable() async throws {
        let store = try SQLiteMessageStore(path: ":memory:")
        for index in 1...15 { _ = try await store.insert(draft("m\(index)"), retention: 10) }
        let all = try await store.messages(limit: 100, before: nil)
        #expect(all.count == 10)
        #expect(all.last?.content == "m6")
    }

    @Test func anEmptyMessageIsRefusedByTheDatabase() async throws {
        let store = try SQLiteMessageStore(path: ":memory:")
        await #expect(throws: StoreError.self) { try await store.insert(draft("   "), retention: 10) }
    }

    @Test func theFileIsInWALModeWithFullSync() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("wal.sqlite")
        _ = try SQLiteMessageStore(path: path)
        let queue = try DatabaseQueue(path: path)
        let mode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func overridesPersistAndNullRemoves() async throws {
        let workspace = try TestWorkspace()
        let path = workspace.path("o.sqlite")
        let store = try SQLiteMessageStore(path: path)
        try await store.setOverrides(["ticker.interval_seconds": .number(60), "ticker.prompt_profile": .string("tech")])
        try await store.setOverrides(["ticker.prompt_profile": nil])
        let reopened = try SQLiteMessageStore(path: path)
        #expect(try await reopened.overrides() == ["ticker.interval_seconds": .number(60)])
    }

    @Test func theArchiveCandidateIsOlderThanTheNewestShown() async throws {
        let store = try SQLiteMessageStore(path: ":memory:")
        for index in 1...12 { _ = try await store.insert(draft("m\(index)"), retention: 100) }
        for _ in 0..<20 {
            let candidate = try #require(try await store.archiveCandidate(excludingNewest: 10))
            #expect(candidate.id <= 2)
        }
        let few = try SQLiteMessageStore(path: ":memory:")
        _ = try await few.insert(draft("only"), retention: 100)
        #expect(try await few.archiveCandidate(excludingNewest: 10) == nil)
    }
}
