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
    let lock: DatabaseLock?
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
            let found = try await writer.read { db in
                defer {
                    // The check reads every page; without this the reader it ran on keeps up to
                    // SQLite's whole page cache (2 MiB) filled with pages no request needs.
                    db.releaseMemory()
                }
                return try Self.integrityProblems(db)
            }
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
    public func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage {
        let stored = try await write { db in
            var stored = try Self.insert(message, in: db)
            stored.deletedUpTo = try Self.prune(db, channel: message.channel, retention: retention)
            return stored
        }
        lock?.record(stored.message.id)
        return stored
    }

    static func insert(_ message: NewMessage, in db: Database) throws -> StoredMessage {
        try execute(insertStatement(into: "messages", try MessageRows.columns(message)), in: db)
        let stored = Message(id: db.lastInsertedRowID, fields: message)
        let record = try JSONCoding.encoder.encode(stored)
        let columns = MessageRows.record(record)
        try execute(("UPDATE messages SET record = $1, record_version = $2 WHERE id = $3", columns.map(\.value) + [.integer(stored.id)]), in: db)
        return StoredMessage(message: stored, record: record)
    }

    /// Keeps the channel's newest `retention` messages; the highest id deleted, or 0.
    static func prune(_ db: Database, channel: String, retention: Int) throws -> Int64 {
        let span = try Int64.fetchOne(db.cachedStatement(sql: MessageRows.idSpan), arguments: [channel])
        guard MessageRows.mayNeedPruning(span: span, retention: retention) else { return 0 }
        let arguments = StatementArguments([.text(channel), .integer(Int64(retention))])
        guard let oldest = try Int64.fetchOne(db.cachedStatement(sql: MessageRows.oldestKept), arguments: arguments) else { return 0 }
        try execute((MessageRows.prune, [.text(channel), .integer(oldest)]), in: db)
        return oldest - 1
    }

    public func storedCount() async throws -> Int {
        // Two subqueries: SQLite looks up a lone MIN or MAX in the index, not both at once.
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE((SELECT MAX(id) FROM messages) - (SELECT MIN(id) FROM messages) + 1, 0)") ?? 0
        }
    }

    public func latest(channel: String) async throws -> Message? { try await readLatest(channel: channel) }
    public func message(id: Int64) async throws -> Message { try await readMessage(id: id) }
    public func messages(channel: String, limit: Int, before: Int64?) async throws -> [Message] {
        try await readMessages(channel: channel, limit: limit, before: before)
    }
    public func messages(channel: String, after: Int64, limit: Int) async throws -> [Message] {
        try await readMessages(channel: channel, after: after, limit: limit)
    }
    public func recentContents(channel: String, limit: Int) async throws -> [String] { try await readRecentContents(channel: channel, limit: limit) }
    public func archiveCandidate(channel: String, excludingNewest: Int) async throws -> Message? {
        try await readArchiveCandidate(channel: channel, excludingNewest: excludingNewest)
    }
    public func recentTicks(channel: String?, limit: Int) async throws -> [TickRecord] { try await readRecentTicks(channel: channel, limit: limit) }
    public func channelCounts() async throws -> [String: Int] { try await readChannelCounts() }
    public func attemptGroups(since: Int64, bucket: Int64) async throws -> [AttemptGroup] {
        try await readAttemptGroups(since: since, bucket: bucket)
    }
    public func spend(since: Int64) async throws -> [(provider: String, channel: String, spend: Double)] { try await readSpend(since: since) }
    public func overrides() async throws -> [String: JSONValue] { try await readOverrides() }

    public func encodedMessages(channel: String, limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)] {
        try await read { db in
            // A cursor and column indexes: the page is read without copying rows or looking
            // columns up by name, and a damaged value still throws rather than traps.
            var page: [(id: Int64, json: Data)] = []
            var stale: [Int] = []  // positions in `page`
            let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT id, record_version, record FROM messages WHERE channel = ? AND id < ? ORDER BY id DESC LIMIT ?"),
                                           arguments: [channel, before ?? Int64.max, limit])
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
                page[index].json = try JSONCoding.encoder.encode(MessageRows.message(full))
            }
            return page
        }
    }

    public func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int) {
        let now = Date()
        let result = try await write { db in
            let records = MessageRows.imported(contents, stored: Set(try String.fetchAll(db, sql: "SELECT content FROM messages")), profile: profile, at: now)
            for record in records { _ = try Self.insert(record, in: db) }
            _ = try Self.prune(db, channel: defaultChannel, retention: retention)
            return (imported: records.count, skipped: contents.count - records.count, last: try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM messages") ?? 0)
        }
        lock?.record(result.last)
        return (result.imported, result.skipped)
    }

    public func recordTick(_ tick: TickRecord, retention: Int, statsDays: Int) async throws {
        let insert = insertStatement(into: "ticks", try TickRows.columns(tick))
        try await write { db in
            try Self.execute(insert, in: db)
            try Self.execute((TickRows.prune, [.text(tick.channel), .integer(Int64(retention))]), in: db)
            for insert in AttemptRows.inserts(tick) { try Self.execute(insert, in: db) }
            try Self.execute((AttemptRows.prune, [.integer(AttemptRows.cutoff(days: statsDays))]), in: db)
        }
    }

    public func setOverrides(_ values: [String: JSONValue?]) async throws {
        let statements = try OverrideRows.statements(values)
        try await write { db in
            for statement in statements { try Self.execute(statement, in: db) }
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
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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

    /// A statement of the shared layout, prepared once per connection.
    static func execute(_ statement: (sql: String, arguments: [SQLValue]), in db: Database) throws {
        try db.cachedStatement(sql: statement.sql).execute(arguments: StatementArguments(statement.arguments))
    }
}

extension SQLiteMessageStore: SQLReading {
    /// SQLite takes `$1`… as it is (parameters numbered by first appearance, as the shared
    /// statements write them); each statement is prepared once per connection.
    package func rows<T: Sendable>(_ sql: String, _ arguments: [SQLValue], _ read: @escaping @Sendable (Row) throws -> T) async throws -> [T] {
        try await self.read { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments)).map(read)
        }
    }
}

extension Row: SQLRow {
    package func text(_ column: String) throws -> String? { try decode(String?.self, forColumn: column) }
    package func integer(_ column: String) throws -> Int64? { try decode(Int64?.self, forColumn: column) }
    package func real(_ column: String) throws -> Double? { try decode(Double?.self, forColumn: column) }
}

extension StatementArguments {
    init(_ values: [SQLValue]) {
        self.init(values.map { value -> DatabaseValue in
            switch value {
            case .text(let text): text.databaseValue
            case .integer(let number): number.databaseValue
            case .real(let number): number.databaseValue
            }
        })
    }
}
