import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TickerConfig
import TickerCore
import TickerStorage

/// `MessageStore` on PostgreSQL through postgres-nio: the database several instances share.
/// The same tables and records as the SQLite store (times as RFC 3339 text, the record and its
/// version beside the columns), so every API response is the same on both. Migrations run at
/// open, one instance at a time (a transaction-scoped advisory lock). Every call is bounded: a
/// database that does not answer fails the call in seconds instead of holding a request.
public final class PostgresMessageStore: MessageStore, ClusterDuties, Service {
    /// Runs as the application's first service (`run`), so it stops after every part that uses it.
    private let client: PostgresClient
    /// Where calls go until the pool runs.
    private let start: StartConnection
    private let logger: Logger
    /// Where it connects, without the password.
    public let display: String
    private let lastWriteFailed = Atomic<Bool>(false)
    /// Seconds one call may take before it fails as unavailable.
    static let callTimeout = PostgresConnector.callTimeout
    /// Where every stored message's id is announced, on commit, to the other instances.
    static let messagesChannel = "ai_ticker_messages"
    /// Where an instance that changed the configuration announces itself (its name).
    static let configurationChannel = "ai_ticker_configuration"
    /// Key of the advisory lock that keeps two instances from migrating at once.
    static let migrationLock: Int64 = 0x61_69_74_69_63_6B_01

    public var isWritable: Bool { !lastWriteFailed.load(ordering: .acquiring) }
    public var problem: String? { nil }

    /// Connects and migrates on a connection of its own, which serves every call until the pool
    /// runs; throws `StoreError.unavailable` naming the server (never the password) when it cannot.
    public init(settings: PostgresSettings, logger: Logger) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnector.connect(settings, purpose: "start", logger: logger)
        } catch {
            throw StoreError.unavailable("cannot open database \(settings.display): \(PostgresConnector.reason(error))")
        }
        do {
            // Longer than a call: it may wait for another instance's migration.
            try await withTimeout(seconds: 60) { try await Self.migrate(connection, logger: logger) }
        } catch {
            try? await connection.close()
            throw StoreError.unavailable("cannot open database \(settings.display): \(PostgresConnector.reason(error))")
        }
        var configuration = PostgresConnector.clientConfiguration(settings)
        configuration.options.maximumConnections = 10
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        start = StartConnection(connection)
        self.logger = logger
        display = settings.display
    }

    /// The pool, until the service group shuts down; calls move to it from the start connection.
    public func run() async {
        start.handOver()
        await client.run()
    }

    /// Closes the start connection if the pool never took over (the command line); the pool itself
    /// stops with the service group.
    public func close() async {
        start.handOver()
    }

    /// `body` on the start connection while it serves, else on one of the pool's.
    private func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        if let result = try await start.withTurn(body) { return result }
        return try await client.withConnection(body)
    }

    // MARK: - Messages

    public func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage {
        try await write { [logger] connection in
            var stored = try await Self.insert(message, on: connection, logger: logger)
            stored.deletedUpTo = try await Self.prune(connection, channel: message.channel, retention: retention, logger: logger)
            try await Self.announce(stored.message.id, on: connection, logger: logger)
            return stored
        }
    }

    private static func insert(_ message: NewMessage, on connection: PostgresConnection, logger: Logger) async throws -> StoredMessage {
        // The id first, so the record written with the row already carries it.
        let id = try await connection.query("SELECT nextval(pg_get_serial_sequence('messages', 'id'))", logger: logger)
            .decode(Int64.self).first { _ in true } ?? 0
        let stored = Message(id: id, fields: message)
        let record = try JSONCoding.encoder.encode(stored)
        let insert = insertStatement(into: "messages", [("id", .integer(id))] + (try MessageRows.columns(message)) + MessageRows.record(record))
        try await connection.query(PostgresQuery(insert), logger: logger)
        return StoredMessage(message: stored, record: record)
    }

    /// Delivered to every listening instance when the transaction commits, never before.
    private static func announce(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(messagesChannel), \(String(id)))", logger: logger)
    }

    /// Keeps the channel's newest `retention` messages; the highest id deleted, or 0.
    @discardableResult
    private static func prune(_ connection: PostgresConnection, channel: String, retention: Int, logger: Logger) async throws -> Int64 {
        let span = try await connection.query(PostgresQuery((MessageRows.idSpan, [.text(channel)])), logger: logger)
            .decode(Int64?.self).first(where: { _ in true }) ?? nil
        guard MessageRows.mayNeedPruning(span: span, retention: retention) else { return 0 }
        guard let oldest = try await connection.query(PostgresQuery((MessageRows.oldestKept, [.text(channel), .integer(Int64(retention))])), logger: logger)
            .decode(Int64.self).first(where: { _ in true }) else { return 0 }
        try await connection.query(PostgresQuery((MessageRows.prune, [.text(channel), .integer(oldest)])), logger: logger)
        return oldest - 1
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
        // Only the record columns: a page is the stored records joined.
        let rows = try await rows("SELECT id, record_version, record FROM messages WHERE channel = \(channel) AND id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)")
        var page: [(id: Int64, json: Data)] = []
        for row in rows {
            let id = try row["id"].decode(Int64.self)
            if try row["record_version"].decode(Int.self) == Message.recordVersion, let record = try row["record"].decode(String?.self) {
                page.append((id, Data(record.utf8)))
            } else {
                // Written in an older shape: encode it from its columns now.
                page.append((id, try JSONCoding.encoder.encode(try await message(id: id))))
            }
        }
        return page
    }

    public func storedCount() async throws -> Int {
        try await rows("SELECT COALESCE((SELECT MAX(id) FROM messages) - (SELECT MIN(id) FROM messages) + 1, 0)::bigint AS n", within: 1)
            .first.map { Int(try $0["n"].decode(Int64.self)) } ?? 0
    }

    public func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int) {
        try await write { [logger] connection in
            var stored = Set<String>()
            for try await content in try await connection.query("SELECT content FROM messages", logger: logger).decode(String.self) {
                stored.insert(content)
            }
            let records = MessageRows.imported(contents, stored: stored, profile: profile, at: Date())
            var last: Int64?
            for record in records { last = try await Self.insert(record, on: connection, logger: logger).message.id }
            try await Self.prune(connection, channel: defaultChannel, retention: retention, logger: logger)
            if let last { try await Self.announce(last, on: connection, logger: logger) }
            return (records.count, contents.count - records.count)
        }
    }

    // MARK: - Audit, review and retraction

    public func addAudit(_ record: AuditRecord, held: NewMessage?, retention: Int) async throws -> AuditRecord {
        let insert = insertStatement(into: "audit", try AuditRows.columns(record, held: held))
        return try await write { [logger] connection in
            var added = record
            added.id = try await Self.first(connection, (insert.sql + " RETURNING id", insert.arguments), logger: logger) { try $0["id"].decode(Int64.self) } ?? 0
            try await connection.query(PostgresQuery((AuditRows.prune, [.text(record.channel), .integer(Int64(retention))])), logger: logger)
            return added
        }
    }

    public func audit(channel: String?, status: AuditRecord.Status?, limit: Int, before: Int64?) async throws -> [AuditRecord] {
        try await readAudit(channel: channel, status: status, limit: limit, before: before)
    }

    public func approve(held id: Int64, by: String, note: String?, retention: @escaping @Sendable (String) -> Int) async throws -> (record: AuditRecord, stored: StoredMessage) {
        let result = try await decide(held: id, as: .approved, by: by, note: note) { [logger] connection, row in
            var message = try AuditRows.heldMessage(row)
            (message.createdAt, message.heldID) = (Date(), id)
            var stored = try await Self.insert(message, on: connection, logger: logger)
            stored.deletedUpTo = try await Self.prune(connection, channel: message.channel, retention: retention(message.channel), logger: logger)
            try await connection.query(PostgresQuery((AuditRows.link, [.integer(stored.message.id), .integer(id)])), logger: logger)
            try await Self.announce(stored.message.id, on: connection, logger: logger)
            return stored
        }
        var record = result.record
        record.messageID = result.extra.message.id
        return (record, result.extra)
    }

    public func reject(held id: Int64, by: String, note: String?) async throws -> AuditRecord {
        try await decide(held: id, as: .rejected, by: by, note: note) { _, _ in }.record
    }

    /// Moves held record `id` to `status` and runs `then` in the same transaction; the errors of `approve`.
    private func decide<T: Sendable>(held id: Int64, as status: AuditRecord.Status, by: String, note: String?,
                                     then: @escaping @Sendable (PostgresConnection, PostgresRandomAccessRow) async throws -> T) async throws -> (record: AuditRecord, extra: T) {
        let arguments: [SQLValue] = [.text(status.rawValue), .text(by), .text(RFC3339.string(from: Date())), AuditRows.note(note, status), .integer(id)]
        let decided = try await write { [logger] connection -> (record: AuditRecord, extra: T)? in
            guard let row = try await Self.first(connection, (AuditRows.decide, arguments), logger: logger, { $0 }) else { return nil }
            return (try AuditRows.record(row), try await then(connection, row))
        }
        if let decided { return decided }
        throw AuditRows.undecidable(id, found: try await readAuditRecord(id: id))
    }

    public func retract(message id: Int64, by: String, reason: String?) async throws -> (record: AuditRecord, current: Message?) {
        try await write { [logger] connection in
            guard let message = try await Self.first(connection, (AuditRows.withdraw, [.integer(id)]), logger: logger, MessageRows.message) else {
                throw StoreError.notFound(id)
            }
            var record = AuditRecord(channel: message.channel, status: .retracted, content: message.content, reason: reason,
                                     provider: message.provider, model: message.model, messageID: id, decidedBy: by)
            let insert = insertStatement(into: "audit", try AuditRows.columns(record, held: nil))
            record.id = try await Self.first(connection, (insert.sql + " RETURNING id", insert.arguments), logger: logger) { try $0["id"].decode(Int64.self) } ?? 0
            let current = try await Self.first(connection, (MessageRows.newest, [.text(message.channel)]), logger: logger, MessageRows.message)
            try await connection.query("SELECT pg_notify(\(Self.messagesChannel), \(Self.retraction(id, channel: message.channel)))", logger: logger)
            return (record, current)
        }
    }

    /// The announcement of a retraction on the messages channel: `retract <id> <channel>`
    /// (a stored message's is its id alone).
    static func retraction(_ id: Int64, channel: String) -> String { "retract \(id) \(channel)" }

    /// The first row of a statement run in a transaction, read by `read`.
    private static func first<T>(_ connection: PostgresConnection, _ statement: (sql: String, arguments: [SQLValue]), logger: Logger,
                                 _ read: (PostgresRandomAccessRow) throws -> T) async throws -> T? {
        for try await row in try await connection.query(PostgresQuery(statement), logger: logger) { return try read(row.makeRandomAccess()) }
        return nil
    }

    // MARK: - Ticks, overrides and the other instances

    public func recordTick(_ tick: TickRecord, retention: Int, statsDays: Int) async throws {
        let insert = insertStatement(into: "ticks", try TickRows.columns(tick))
        try await write { [logger] connection in
            try await connection.query(PostgresQuery(insert), logger: logger)
            try await connection.query(PostgresQuery((TickRows.prune, [.text(tick.channel), .integer(Int64(retention))])), logger: logger)
            for insert in AttemptRows.inserts(tick) { try await connection.query(PostgresQuery(insert), logger: logger) }
            try await connection.query(PostgresQuery((AttemptRows.prune, [.integer(AttemptRows.cutoff(days: statsDays))])), logger: logger)
        }
    }

    public func setOverrides(_ values: [String: JSONValue?]) async throws {
        let statements = try OverrideRows.statements(values)
        try await write { [logger] connection in
            for statement in statements { try await connection.query(PostgresQuery(statement), logger: logger) }
        }
    }

    public func claim(channel: String, slot: Int64, instance: String) async throws -> Bool {
        try await write { [logger] connection in
            let claimed = try await connection.query("""
                INSERT INTO tick_slots (channel, slot, instance, claimed_at) VALUES (\(channel), \(slot), \(instance), \(RFC3339.string(from: Date())))
                ON CONFLICT (channel, slot) DO NOTHING RETURNING slot
                """, logger: logger).decode(Int64.self).first { _ in true } != nil
            try await connection.query("DELETE FROM tick_slots WHERE channel = \(channel) AND slot < \(slot - 10_000)", logger: logger)
            return claimed
        }
    }

    public func announceConfigurationChange(by instance: String) async throws {
        _ = try await rows("SELECT pg_notify(\(Self.configurationChannel), \(instance))::text AS sent")
    }

    public func shareHealth(_ probes: [HealthProbe], by instance: String) async throws {
        try await write { [logger] connection in
            for probe in probes {
                try await connection.query("""
                    INSERT INTO provider_health (provider, healthy, latency_ms, detail, checked_at, instance)
                    VALUES (\(probe.provider), \(probe.result.healthy), \(probe.result.latencyMs), \(probe.result.detail),
                            \(RFC3339.string(from: probe.checkedAt)), \(instance))
                    ON CONFLICT (provider) DO UPDATE SET healthy = EXCLUDED.healthy, latency_ms = EXCLUDED.latency_ms,
                        detail = EXCLUDED.detail, checked_at = EXCLUDED.checked_at, instance = EXCLUDED.instance
                    """, logger: logger)
            }
        }
    }

    public func sharedHealth() async throws -> [HealthProbe] {
        try await rows("SELECT provider, healthy, latency_ms, detail, checked_at FROM provider_health").map { row in
            HealthProbe(provider: try row["provider"].decode(String.self),
                        result: HealthCheckResult(healthy: try row["healthy"].decode(Bool.self), latencyMs: try row["latency_ms"].decode(Double.self),
                                                  detail: try row["detail"].decode(String?.self)),
                        checkedAt: RFC3339.date(from: try row["checked_at"].decode(String.self)) ?? .distantPast)
        }
    }

    /// Within a second: a health probe must answer quickly while the database is away.
    public func ping() async -> Bool {
        (try? await rows("SELECT 1 AS one", within: 1).first.map { try $0["one"].decode(Int.self) }) == 1
    }

    // MARK: - Helpers

    /// The call, failed as unavailable after `callTimeout`.
    private func bounded<T: Sendable>(within seconds: Double = callTimeout, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await withTimeout(seconds: seconds, body)
        } catch is TimeoutError {
            throw StoreError.unavailable("database \(display) did not answer within \(Int(seconds)) s")
        }
    }

    private func rows(_ query: PostgresQuery, within seconds: Double = callTimeout) async throws -> [PostgresRandomAccessRow] {
        do {
            return try await bounded(within: seconds) { [logger] in
                try await self.withConnection { connection in
                    var rows: [PostgresRandomAccessRow] = []
                    for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
                    return rows
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable("database read failed: \(PostgresConnector.reason(error))")
        }
    }

    /// `body` in a transaction, failed as unavailable after `callTimeout`.
    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            let result = try await bounded { [logger] in
                try await self.withConnection { connection in try await connection.withTransaction(logger: logger) { try await body($0) } }
            }
            lastWriteFailed.store(false, ordering: .releasing)
            return result
        } catch where PostgresConnector.serverError(error)?.serverInfo?[.sqlState]?.hasPrefix("23") == true {
            // Class 23, an integrity constraint: the row was wrong, not the database.
            throw StoreError.unavailable("database refused the row: \(PostgresConnector.reason(error))")
        } catch let error as PostgresTransactionError where error.closureError is StoreError && error.commitError == nil {
            // What the body refused (an unknown id, a record not held): the database is fine.
            throw error.closureError as! StoreError
        } catch {
            lastWriteFailed.store(true, ordering: .releasing)
            if let error = error as? StoreError { throw error }
            throw StoreError.unavailable("database write failed: \(PostgresConnector.reason(error))")
        }
    }
}

extension PostgresMessageStore: SQLReading {
    package func rows<T: Sendable>(_ sql: String, _ arguments: [SQLValue],
                                   _ read: @escaping @Sendable (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        try await rows(PostgresQuery((sql, arguments))).map(read)
    }
}

extension PostgresRandomAccessRow: SQLRow {
    package func text(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    package func integer(_ column: String) throws -> Int64? { try self[column].decode(Int64?.self) }
    package func real(_ column: String) throws -> Double? { try self[column].decode(Double?.self) }
}

extension PostgresQuery {
    /// A statement of the shared layout, its `$1`… bound to `arguments`.
    init(_ statement: (sql: String, arguments: [SQLValue])) {
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for argument in statement.arguments {
            switch argument {
            case .text(let text?): binds.append(text)
            case .integer(let number?): binds.append(number)
            case .real(let number): binds.append(number)
            case .text(nil), .integer(nil): binds.appendNull()
            }
        }
        self.init(unsafeSQL: statement.sql, binds: binds)
    }
}
