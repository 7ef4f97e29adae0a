import Foundation
import GRDB
import Synchronization

/// `MessageStore` on SQLite through GRDB: WAL mode, `synchronous=FULL` so a committed message
/// survives a crash or power loss, migrations at open.
public final class SQLiteMessageStore: MessageStore {
    private let writer: any DatabaseWriter
    private let lastWriteFailed = Atomic<Bool>(false)

    public var isWritable: Bool { !lastWriteFailed.load(ordering: .acquiring) }

    /// Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory one.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            if path == ":memory:" {
                writer = try DatabaseQueue(configuration: configuration)
            } else {
                let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                writer = try DatabasePool(path: path, configuration: configuration)
            }
            try Self.migrator.migrate(writer)
        } catch {
            throw StoreError.unavailable("cannot open database \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    content TEXT NOT NULL CHECK (length(trim(content)) > 0),
                    provider TEXT NOT NULL,
                    provider_name TEXT NOT NULL,
                    model TEXT NOT NULL,
                    prompt_tokens INTEGER NOT NULL DEFAULT 0,
                    completion_tokens INTEGER NOT NULL DEFAULT 0,
                    total_tokens INTEGER NOT NULL DEFAULT 0,
                    finish_reason TEXT,
                    response_id TEXT,
                    profile TEXT NOT NULL,
                    latency_ms REAL NOT NULL,
                    created_at TEXT NOT NULL,
                    source TEXT NOT NULL,
                    attempts TEXT NOT NULL
                );
                CREATE TABLE ticks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    message_id INTEGER,
                    attempts TEXT NOT NULL
                );
                CREATE TABLE config_overrides (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: encoded record") { db in
            // The message as the API returns it, encoded once at insert: history pages are then
            // the stored bytes joined, with nothing decoded or encoded per request.
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN record TEXT")
        }
        return migrator
    }

    public func insert(_ message: NewMessage, retention: Int) async throws -> Message {
        try await write { db in
            let stored = try Self.insert(message, in: db)
            try Self.prune(db, retention: retention)
            return stored
        }
    }

    private static func insert(_ message: NewMessage, in db: Database) throws -> Message {
        try db.execute(sql: """
            INSERT INTO messages (content, provider, provider_name, model, prompt_tokens, completion_tokens,
                total_tokens, finish_reason, response_id, profile, latency_ms, created_at, source, attempts)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                message.content, message.provider, message.providerName, message.model,
                message.usage.promptTokens, message.usage.completionTokens, message.usage.totalTokens,
                message.finishReason, message.responseID, message.profile, message.latencyMs,
                RFC3339.string(from: message.createdAt), message.source.rawValue, try json(message.attempts),
            ])
        let id = db.lastInsertedRowID
        let stored = Message(
            id: id, content: message.content, provider: message.provider, providerName: message.providerName,
            model: message.model, usage: message.usage, finishReason: message.finishReason,
            responseID: message.responseID, profile: message.profile, latencyMs: message.latencyMs,
            createdAt: message.createdAt, source: message.source, attempts: message.attempts
        )
        try db.execute(sql: "UPDATE messages SET record = ? WHERE id = ?", arguments: [try json(stored), id])
        return stored
    }

    /// Keeps the newest `retention` messages.
    private static func prune(_ db: Database, retention: Int) throws {
        try db.execute(sql: "DELETE FROM messages WHERE id <= (SELECT MAX(id) FROM messages) - ?", arguments: [retention])
    }

    public func latest() async throws -> Message? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM messages ORDER BY id DESC LIMIT 1").map(Self.message) }
    }

    public func message(id: Int64) async throws -> Message {
        let found = try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id]).map(Self.message)
        }
        guard let found else { throw StoreError.notFound(id) }
        return found
    }

    public func messages(limit: Int, before: Int64?) async throws -> [Message] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?",
                             arguments: [before ?? Int64.max, limit]).map(Self.message)
        }
    }

    public func encodedMessages(limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, record FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?",
                             arguments: [before ?? Int64.max, limit]).map { row -> (id: Int64, json: Data) in
                let id: Int64 = row["id"]
                if let record: Data = row["record"] { return (id, record) }
                // Written before the record column existed: encode it now.
                let full = try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE id = ?", arguments: [id])!
                return (id, try JSONCoding.encoder.encode(Self.message(full)))
            }
        }
    }

    public func messages(after: Int64, limit: Int) async throws -> [Message] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]).map(Self.message)
        }
    }

    public func recentContents(limit: Int) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT content FROM messages ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    public func archiveCandidate(excludingNewest: Int) async throws -> Message? {
        try await read { db in
            guard let latest = try String.fetchOne(db, sql: "SELECT content FROM messages ORDER BY id DESC LIMIT 1") else { return nil }
            let eligible = "source IN ('generated', 'import') AND content != ?"
            guard let bounds = try Row.fetchOne(db, sql: "SELECT MIN(id) AS low, MAX(id) AS high FROM messages WHERE \(eligible)", arguments: [latest]),
                  let low: Int64 = bounds["low"], let high: Int64 = bounds["high"] else { return nil }
            let newestShown = try Int64.fetchAll(db, sql: "SELECT id FROM messages ORDER BY id DESC LIMIT ?", arguments: [excludingNewest])
            let cutoff = min(high, (newestShown.last ?? high + 1) - 1)
            // A random one among ids up to `bound`: the first eligible at or after a random id, else the last before it.
            func pick(upTo bound: Int64) throws -> Message? {
                let start = Int64.random(in: low...bound)
                return try (Row.fetchOne(db, sql: "SELECT * FROM messages WHERE \(eligible) AND id >= ? AND id <= ? ORDER BY id LIMIT 1", arguments: [latest, start, bound])
                    ?? Row.fetchOne(db, sql: "SELECT * FROM messages WHERE \(eligible) AND id <= ? ORDER BY id DESC LIMIT 1", arguments: [latest, bound]))
                    .map(Self.message)
            }
            // Older than the newest shown where there is one; with few messages yet, any other than the one on screen.
            return try pick(upTo: cutoff >= low ? cutoff : high)
        }
    }

    public func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int) {
        let now = Date()
        return try await write { db in
            var seen = Set(try String.fetchAll(db, sql: "SELECT content FROM messages"))
            var imported = 0
            for content in contents where seen.insert(content).inserted {
                let record = NewMessage(content: content, provider: "import", providerName: "AI-Ticker", model: "unknown", usage: Usage(),
                                        profile: profile, latencyMs: 0, createdAt: now, source: .imported, attempts: [])
                _ = try Self.insert(record, in: db)
                imported += 1
            }
            try Self.prune(db, retention: retention)
            return (imported, contents.count - imported)
        }
    }

    public func recordTick(_ tick: TickRecord, retention: Int) async throws {
        let attempts = try Self.json(tick.attempts)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO ticks (started_at, finished_at, trigger, outcome, message_id, attempts) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [RFC3339.string(from: tick.startedAt), RFC3339.string(from: tick.finishedAt),
                                 tick.trigger, tick.outcome, tick.messageID, attempts])
            try db.execute(sql: "DELETE FROM ticks WHERE id <= ?", arguments: [db.lastInsertedRowID - Int64(retention)])
        }
    }

    public func recentTicks(limit: Int) async throws -> [TickRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ticks ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                TickRecord(
                    startedAt: RFC3339.date(from: row["started_at"]) ?? .distantPast,
                    finishedAt: RFC3339.date(from: row["finished_at"]) ?? .distantPast,
                    trigger: row["trigger"], outcome: row["outcome"], messageID: row["message_id"],
                    attempts: (try? JSONCoding.decoder.decode([Attempt].self, from: Data((row["attempts"] as String).utf8))) ?? []
                )
            }
        }
    }

    public func overrides() async throws -> [String: JSONValue] {
        try await read { db in
            var values: [String: JSONValue] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM config_overrides") {
                values[row["key"]] = try JSONDecoder().decode(JSONValue.self, from: Data((row["value"] as String).utf8))
            }
            return values
        }
    }

    public func setOverrides(_ values: [String: JSONValue?]) async throws {
        let encoded = try values.map { key, value in (key, try value.map(Self.json)) }
        let now = RFC3339.string(from: Date())
        try await write { db in
            for (key, value) in encoded {
                if let value {
                    try db.execute(sql: "INSERT OR REPLACE INTO config_overrides (key, value, updated_at) VALUES (?, ?, ?)",
                                   arguments: [key, value, now])
                } else {
                    try db.execute(sql: "DELETE FROM config_overrides WHERE key = ?", arguments: [key])
                }
            }
        }
    }

    public func ping() async -> Bool {
        (try? await read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    // MARK: - Helpers

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.read(body) } catch let error as StoreError { throw error } catch {
            throw StoreError.unavailable("database read failed: \(error)")
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            let result = try await writer.write(body)
            lastWriteFailed.store(false, ordering: .releasing)
            return result
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.unavailable("database refused the row: \(error.message ?? "constraint")")
        } catch {
            lastWriteFailed.store(true, ordering: .releasing)
            throw StoreError.unavailable("database write failed: \(error)")
        }
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }

    private static func message(_ row: Row) -> Message {
        Message(
            id: row["id"], content: row["content"], provider: row["provider"], providerName: row["provider_name"],
            model: row["model"],
            usage: Usage(promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"], totalTokens: row["total_tokens"]),
            finishReason: row["finish_reason"], responseID: row["response_id"], profile: row["profile"],
            latencyMs: row["latency_ms"], createdAt: RFC3339.date(from: row["created_at"]) ?? .distantPast,
            source: MessageSource(rawValue: row["source"]) ?? .generated,
            attempts: (try? JSONCoding.decoder.decode([Attempt].self, from: Data((row["attempts"] as String).utf8))) ?? []
        )
    }
}
