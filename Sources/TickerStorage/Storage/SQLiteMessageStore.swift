import Foundation
import GRDB
import Synchronization
import TickerCore

/// `MessageStore` on SQLite through GRDB: WAL mode, `synchronous=FULL` so a committed message
/// survives a crash or power loss, migrations at open. A database that cannot be written at
/// start is opened read-only; one removed or replaced while running refuses every write.
public final class SQLiteMessageStore: MessageStore {
    private let writer: any DatabaseWriter
    private let path: String
    /// The database file as opened: a different file (or none) at `path` later means it was replaced.
    private let identity: FileIdentity?
    /// The service's lock beside the database, also recording acknowledged ids.
    private let lock: DatabaseLock?
    /// Why this store stores nothing since it opened (read-only).
    private let refusal: String?
    /// The service's integrity check: nil when none is due, else nil until it ends, then the
    /// problem it found or "" when sound.
    private let integrityState: Mutex<String??>
    /// The check, started by whoever needs it first (the service once READY is sent, or the
    /// first write, which waits for it): the problem found and how long it took.
    private let integrityCheck = Mutex<Task<(problem: String?, seconds: Double), Never>?>(nil)
    private let lastWriteFailed = Atomic<Bool>(false)
    public let startReport: [String]
    public var display: String { path }

    public var isWritable: Bool { problem == nil && !lastWriteFailed.load(ordering: .acquiring) }

    public var integrity: String? {
        integrityState.withLock { state in state.map { $0.map { $0.isEmpty ? "ok" : "failed" } ?? "checking" } }
    }

    public var problem: String? {
        if let refusal { return refusal }
        if let found = integrityState.withLock({ $0 ?? nil }), !found.isEmpty { return found }
        if let identity, FileIdentity(path: path) != identity {
            return "\(path) was removed or replaced while the service ran: nothing is stored until a restart opens the file now there"
        }
        if let lock, !lock.isInPlace {
            return "\(lock.path) was removed or replaced while the service ran: nothing is stored until a restart takes the lock again"
        }
        return nil
    }

    /// Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory one.
    public convenience init(path: String) throws {
        try self.init(path: path, lock: nil)
    }

    /// `lock`: the service's lock on this database; with it, the database's integrity and the
    /// recorded last id are checked.
    init(path: String, lock: DatabaseLock?, readOnlyReason: String? = nil) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.path = path
        self.lock = lock
        var refusal: String?
        do {
            if path == ":memory:" {
                writer = try DatabaseQueue(configuration: configuration)
                try Self.migrator.migrate(writer)
            } else if let opened = try Self.openWritable(path, configuration: configuration, readOnlyReason: readOnlyReason) {
                writer = opened
            } else {
                writer = try Self.openReadOnly(path, configuration: configuration)
                refusal = "\(path) opened read-only (\(readOnlyReason ?? "not writable")): serving what is stored, storing nothing"
            }
        } catch {
            throw StoreError.unavailable("cannot open database \(path): \(error)")
        }
        identity = path == ":memory:" ? nil : FileIdentity(path: path)
        var report: [String] = []
        if let lock, refusal == nil, let missing = try Self.continueNumbering(writer, after: lock.recordedLastID) {
            report.append(missing)
        }
        self.refusal = refusal
        // The service's database is checked after it starts (`checkIntegrity`): on a large file
        // the check takes seconds, and systemd waits for READY.
        integrityState = Mutex(lock != nil && refusal == nil ? .some(nil) : nil)
        startReport = report + (refusal.map { [$0] } ?? [])
    }

    public func checkIntegrity() async -> (problem: String?, seconds: Double)? {
        await integrityTask()?.value
    }

    /// The integrity check's task, started now if it is due and not yet running; nil when none is due.
    private func integrityTask() -> Task<(problem: String?, seconds: Double), Never>? {
        integrityCheck.withLock { task in
            if task == nil, integrityState.withLock({ $0 == .some(nil) }) {
                task = Task { await self.runIntegrityCheck() }
            }
            return task
        }
    }

    private func runIntegrityCheck() async -> (problem: String?, seconds: Double) {
        let started = ContinuousClock.now
        var problem: String?
        do {
            let found = try await writer.read { db in try Self.integrityProblems(db) }
            if !found.isEmpty {
                problem = "\(path) failed its integrity check (\(found.joined(separator: "; "))): serving what can be read, storing nothing "
                    + "until it is repaired (docs/operations.md, \"A damaged database\")"
            }
        } catch {
            problem = "\(path) could not be checked (\(error)): storing nothing until it is repaired (docs/operations.md, \"A damaged database\")"
        }
        integrityState.withLock { $0 = .some(problem ?? "") }
        let elapsed = ContinuousClock.now - started
        return (problem, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    deinit {
        // SQLite's descriptors first, then the lock's on the same file (see `closeDatabase`).
        try? writer.close()
        lock?.closeDatabase()
    }

    /// The service's database: its lock is taken first (a second instance stops there), then it
    /// is opened and checked. Without a lock file that can be written, it is opened read-only.
    package static func openForService(path: String) throws -> SQLiteMessageStore {
        guard path != ":memory:" else { return try SQLiteMessageStore(path: path) }
        // Absolute, so what the log and health say names exactly one file.
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        let lock: DatabaseLock
        do {
            lock = try DatabaseLock(databasePath: path)
        } catch .held(let reason) {
            throw StoreError.unavailable(reason)
        } catch .notWritable(let reason) {
            return try SQLiteMessageStore(path: path, lock: nil, readOnlyReason: "lock file not writable: \(reason)")
        }
        return try SQLiteMessageStore(path: path, lock: lock)
    }

    /// Folds the WAL into the database file (a copy of the stopped service's file alone is then
    /// complete), then releases the lock.
    public func close() async {
        guard let lock else { return }
        if problem == nil {
            _ = try? await writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
        lock.release()
    }

    /// The read-write pool, migrated; nil when the file exists but cannot be written
    /// (`readOnlyReason` already says so, or opening fails), so it can be opened read-only.
    private static func openWritable(_ path: String, configuration: Configuration, readOnlyReason: String?) throws -> (any DatabaseWriter)? {
        let exists = FileManager.default.fileExists(atPath: path)
        if readOnlyReason != nil, exists { return nil }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrator.migrate(pool)
            return pool
        } catch let error as DatabaseError where exists && [.SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM].contains(error.resultCode) {
            return nil
        }
    }

    /// Read-only; with no `-shm` beside a WAL database on a read-only file system, as immutable.
    private static func openReadOnly(_ path: String, configuration: Configuration) throws -> any DatabaseWriter {
        var configuration = configuration
        configuration.readonly = true
        configuration.prepareDatabase { _ in }
        let queue: DatabaseQueue
        if let plain = try? DatabaseQueue(path: path, configuration: configuration),
           (try? plain.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }) != nil {
            queue = plain
        } else {
            // The system SQLite takes URI file names (Debian builds it with SQLITE_USE_URI).
            let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
            queue = try DatabaseQueue(path: "file:\(encoded)?immutable=1", configuration: configuration)
        }
        guard try queue.read(migrator.hasCompletedMigrations) else {
            throw StoreError.unavailable("\(path) is read-only and was written by an older version: start once with write access to migrate it")
        }
        return queue
    }

    /// `PRAGMA quick_check`: empty when the database is sound, else its first findings.
    private static func integrityProblems(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
            .flatMap { $0.split(separator: "\n").map(String.init) }
            .filter { $0 != "ok" && !$0.hasPrefix("*** in database") }
    }

    /// When the lock file recorded a higher last id than the database holds, the messages in
    /// between were acknowledged and are gone: says so, and numbers new messages after them so
    /// no id is ever given twice.
    private static func continueNumbering(_ writer: any DatabaseWriter, after recorded: Int64?) throws -> String? {
        try writer.write { db in
            let sequence = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'messages'")
            let highest = max(sequence ?? 0, try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM messages") ?? 0)
            guard let recorded, recorded > highest else { return nil }
            if sequence == nil {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('messages', ?)", arguments: [recorded])
            } else {
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = ? WHERE name = 'messages'", arguments: [recorded])
            }
            let range = recorded == highest + 1 ? "id \(recorded)" : "ids \(highest + 1)–\(recorded)"
            return "\(recorded - highest) acknowledged message(s) missing from the database (\(range)): its file or WAL was damaged, "
                + "removed or restored from an older copy; new messages are numbered after \(recorded)"
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
        migrator.registerMigration("v3: record version") { db in
            // Which shape of `Message` a record holds: one written by an older shape is rebuilt
            // from the columns when read, so a new field never leaves old rows behind.
            try db.execute(sql: "ALTER TABLE messages ADD COLUMN record_version INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }

    public func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage {
        let stored = try await write { db in
            let stored = try Self.insert(message, in: db)
            try Self.prune(db, retention: retention)
            return stored
        }
        lock?.record(stored.message.id)
        return stored
    }

    private static func insert(_ message: NewMessage, in db: Database) throws -> StoredMessage {
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
        let stored = Message(id: db.lastInsertedRowID, fields: message)
        let record = try JSONCoding.encoder.encode(stored)
        try db.execute(sql: "UPDATE messages SET record = ?, record_version = ? WHERE id = ?",
                       arguments: [String(decoding: record, as: UTF8.self), Message.recordVersion, stored.id])
        return StoredMessage(message: stored, record: record)
    }

    /// Keeps the newest `retention` messages.
    private static func prune(_ db: Database, retention: Int) throws {
        try db.execute(sql: "DELETE FROM messages WHERE id <= (SELECT MAX(id) FROM messages) - ?", arguments: [retention])
    }

    public func storedCount() async throws -> Int {
        // Two subqueries: SQLite looks up a lone MIN or MAX in the index, not both at once.
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE((SELECT MAX(id) FROM messages) - (SELECT MIN(id) FROM messages) + 1, 0)") ?? 0
        }
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
            // A cursor and column indexes: the page is read without copying rows or looking
            // columns up by name, and a damaged value still throws rather than traps.
            var page: [(id: Int64, json: Data)] = []
            var stale: [Int] = []  // positions in `page`
            let rows = try Row.fetchCursor(db, sql: "SELECT id, record_version, record FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?",
                                           arguments: [before ?? Int64.max, limit])
            while let row = try rows.next() {
                let id = try row.decode(Int64.self, atIndex: 0)
                if try row.decode(Int.self, atIndex: 1) == Message.recordVersion, let record = try row.decode(Data?.self, atIndex: 2) {
                    page.append((id, record))
                } else {
                    stale.append(page.count)
                    page.append((id, Data()))
                }
            }
            // Written before the record column existed, or in an older shape: encode it now.
            for index in stale {
                let full = try Row.fetchOne(db, sql: "SELECT * FROM messages WHERE id = ?", arguments: [page[index].id])!
                page[index].json = try JSONCoding.encoder.encode(Self.message(full))
            }
            return page
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
        let result = try await write { db in
            var seen = Set(try String.fetchAll(db, sql: "SELECT content FROM messages"))
            var imported = 0
            for content in contents where seen.insert(content).inserted {
                let record = NewMessage(content: content, provider: "import", providerName: "AI-Ticker", model: "unknown", usage: Usage(),
                                        profile: profile, latencyMs: 0, createdAt: now, source: .imported, attempts: [])
                _ = try Self.insert(record, in: db)
                imported += 1
            }
            try Self.prune(db, retention: retention)
            return (imported: imported, skipped: contents.count - imported, last: try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM messages") ?? 0)
        }
        lock?.record(result.last)
        return (result.imported, result.skipped)
    }

    public func recordTick(_ tick: TickRecord, retention: Int) async throws {
        let attempts = try Self.json(tick.attempts)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO ticks (started_at, finished_at, trigger, outcome, message_id, attempts) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [RFC3339.string(from: tick.startedAt), RFC3339.string(from: tick.finishedAt),
                                 tick.trigger.rawValue, tick.outcome.rawValue, tick.messageID, attempts])
            try db.execute(sql: "DELETE FROM ticks WHERE id <= ?", arguments: [db.lastInsertedRowID - Int64(retention)])
        }
    }

    public func recentTicks(limit: Int) async throws -> [TickRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ticks ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                TickRecord(
                    startedAt: RFC3339.date(from: try row.decode(forColumn: "started_at")) ?? .distantPast,
                    finishedAt: RFC3339.date(from: try row.decode(forColumn: "finished_at")) ?? .distantPast,
                    trigger: TickRecord.Trigger(rawValue: try row.decode(forColumn: "trigger")) ?? .timer,
                    outcome: TickRecord.Outcome(rawValue: try row.decode(forColumn: "outcome")) ?? .failed,
                    messageID: try row.decode(forColumn: "message_id"), attempts: try Self.attempts(row)
                )
            }
        }
    }

    public func overrides() async throws -> [String: JSONValue] {
        try await read { db in
            var values: [String: JSONValue] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM config_overrides") {
                let value: String = try row.decode(forColumn: "value")
                values[try row.decode(forColumn: "key")] = try JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))
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

    /// Refused while the database has a problem; a write that lands in a file removed meanwhile
    /// is not durable, so it fails too.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // Nothing is written before the integrity check has passed.
        if let check = integrityTask() { _ = await check.value }
        if let problem { throw StoreError.unavailable(problem) }
        do {
            let result = try await writer.write(body)
            if let problem { throw StoreError.unavailable("not stored durably: \(problem)") }
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

    /// Throws (never traps) on a row a damaged database returns with NULLs or wrong types.
    private static func message(_ row: Row) throws -> Message {
        Message(id: try row.decode(forColumn: "id"), fields: NewMessage(
            content: try row.decode(forColumn: "content"),
            provider: try row.decode(forColumn: "provider"), providerName: try row.decode(forColumn: "provider_name"),
            model: try row.decode(forColumn: "model"),
            usage: Usage(promptTokens: try row.decode(forColumn: "prompt_tokens"), completionTokens: try row.decode(forColumn: "completion_tokens"),
                         totalTokens: try row.decode(forColumn: "total_tokens")),
            finishReason: try row.decode(forColumn: "finish_reason"), responseID: try row.decode(forColumn: "response_id"),
            profile: try row.decode(forColumn: "profile"), latencyMs: try row.decode(forColumn: "latency_ms"),
            createdAt: RFC3339.date(from: try row.decode(forColumn: "created_at")) ?? .distantPast,
            source: MessageSource(rawValue: try row.decode(forColumn: "source")) ?? .generated,
            attempts: try attempts(row)
        ))
    }

    private static func attempts(_ row: Row) throws -> [Attempt] {
        let text: String = try row.decode(forColumn: "attempts")
        return (try? JSONCoding.decoder.decode([Attempt].self, from: Data(text.utf8))) ?? []
    }

}
