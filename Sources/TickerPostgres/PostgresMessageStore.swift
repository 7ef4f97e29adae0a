import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Synchronization
import TickerConfig
import TickerCore
import TickerStorage

/// `MessageStore` on PostgreSQL through postgres-nio: the database several instances share.
/// The same tables and records as the SQLite store (times as RFC 3339 text, the record and its
/// version beside the columns), so every API response is the same on both. Migrations run at
/// open, one instance at a time (a transaction-scoped advisory lock). Every call is bounded: a
/// database that does not answer fails the call in seconds instead of holding a request.
public final class PostgresMessageStore: MessageStore, ClusterDuties {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// Where it connects, without the password.
    public let display: String
    private let lastWriteFailed = Atomic<Bool>(false)
    /// Seconds one call may take before it fails as unavailable.
    static let callTimeout = 5.0
    /// Where every stored message's id is announced, on commit, to the other instances.
    static let messagesChannel = "ai_ticker_messages"
    /// Where an instance that changed the configuration announces itself (its name).
    static let configurationChannel = "ai_ticker_configuration"
    /// Key of the advisory lock that keeps two instances from migrating at once.
    static let migrationLock: Int64 = 0x61_69_74_69_63_6B_01

    public var isWritable: Bool { !lastWriteFailed.load(ordering: .acquiring) }
    public var problem: String? { nil }

    /// Connects and migrates; throws `StoreError.unavailable` naming the server (never the
    /// password) when it cannot.
    public init(settings: PostgresSettings, logger: Logger) async throws {
        do {
            try await Self.withConnection(settings, purpose: "start", logger: logger) { _ in }
        } catch {
            throw StoreError.unavailable("cannot open database \(settings.display): \(Self.reason(error))")
        }
        var configuration: PostgresClient.Configuration
        if let socket = settings.socketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch Self.tls(settings) {
            case nil: .disable
            case let (required, tls)?: required ? .require(tls) : .prefer(tls)
            }
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(Self.callTimeout))
        configuration.options.maximumConnections = 10
        configuration.options.additionalStartupParameters = [("application_name", Self.applicationName("pool"))]
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        display = settings.display
        runner = Task { await client.run() }
        do {
            // Longer than a call: it may wait for another instance's migration.
            try await withTimeout(seconds: 60) { try await Self.migrate(client, logger: logger) }
        } catch {
            runner.cancel()
            throw StoreError.unavailable("cannot open database \(settings.display): \(Self.reason(error))")
        }
    }

    /// libpq's `sslmode` as NIOSSL settings: nil for no TLS, else whether TLS is required and how
    /// the certificate is checked.
    private static func tls(_ settings: PostgresSettings) -> (required: Bool, TLSConfiguration)? {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let root = settings.rootCertificate { tls.trustRoots = .file(root) }
        switch settings.tls {
        case .disable: return nil
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: break
        }
        return (settings.tls != .prefer, tls)
    }

    /// A connection of its own, closed after `body`: the leader lock's, and one made before the
    /// pool starts so that a start that cannot connect fails with the server's own reason (no
    /// such role or database, wrong password, TLS refused) where the pool would retry until the
    /// call timeout.
    /// `purpose` names it in `pg_stat_activity`.
    static func withConnection<T>(_ settings: PostgresSettings, purpose: String, logger: Logger,
                                  _ body: (PostgresConnection) async throws -> T) async throws -> T {
        var configuration: PostgresConnection.Configuration
        if let socket = settings.socketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS = switch Self.tls(settings) {
            case nil: .disable
            case let (required, tls)?: required ? .require(try NIOSSLContext(configuration: tls)) : .prefer(try NIOSSLContext(configuration: tls))
            }
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(callTimeout))
        configuration.options.additionalStartupParameters = [("application_name", applicationName(purpose))]
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// How a connection shows in `pg_stat_activity`: "ai-ticker <purpose>: <host> pid <N>"
    /// (PostgreSQL keeps the first 63 bytes).
    static func applicationName(_ purpose: String) -> String {
        "ai-ticker \(purpose): \(Leadership.defaultInstanceName())"
    }

    /// Runs `body` on a connection of its own, closing the connection when `body` has not
    /// finished within `seconds`: a query on a half-open connection would never return, even
    /// cancelled, and closing it makes that query fail.
    static func closing<T: Sendable>(_ connection: PostgresConnection, unlessDoneWithin seconds: Double,
                                     _ body: () async throws -> T) async throws -> T {
        let deadline = Task {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            try? await connection.close()
        }
        defer { deadline.cancel() }
        return try await body()
    }

    public func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: - Schema

    static let migrations: [(name: String, statements: [String])] = [
        ("v1", [
            """
            CREATE TABLE messages (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                content TEXT NOT NULL CHECK (length(btrim(content)) > 0),
                provider TEXT NOT NULL,
                provider_name TEXT NOT NULL,
                model TEXT NOT NULL,
                prompt_tokens BIGINT NOT NULL DEFAULT 0,
                completion_tokens BIGINT NOT NULL DEFAULT 0,
                total_tokens BIGINT NOT NULL DEFAULT 0,
                finish_reason TEXT,
                response_id TEXT,
                profile TEXT NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL,
                created_at TEXT NOT NULL,
                source TEXT NOT NULL,
                attempts TEXT NOT NULL,
                record TEXT,
                record_version INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE ticks (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                started_at TEXT NOT NULL,
                finished_at TEXT NOT NULL,
                trigger TEXT NOT NULL,
                outcome TEXT NOT NULL,
                message_id BIGINT,
                attempts TEXT NOT NULL
            )
            """,
            "CREATE TABLE config_overrides (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)",
        ]),
        ("v2: leader and tick slots", [
            // Who holds the leader lock, as it named itself when it took it.
            "CREATE TABLE leader (id INTEGER PRIMARY KEY CHECK (id = 1), instance TEXT NOT NULL, since TEXT NOT NULL)",
            // One row per timer slot that was ticked: the key that keeps two instances that both
            // believe they lead from generating the same slot.
            "CREATE TABLE tick_slots (slot BIGINT PRIMARY KEY, instance TEXT NOT NULL, claimed_at TEXT NOT NULL)",
        ]),
        ("v3: shared provider health", [
            // The leader's latest health check of each provider, for the instances standing by.
            """
            CREATE TABLE provider_health (
                provider TEXT PRIMARY KEY, healthy BOOLEAN NOT NULL, latency_ms DOUBLE PRECISION NOT NULL, detail TEXT,
                checked_at TEXT NOT NULL, instance TEXT NOT NULL
            )
            """,
        ]),
    ]

    private static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS ai_ticker_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM ai_ticker_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in migrations where !applied.contains(migration.name) {
                for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO ai_ticker_migrations (name, applied_at) VALUES (\(migration.name), \(RFC3339.string(from: Date())))",
                                           logger: logger)
            }
        }
    }

    // MARK: - Messages

    public func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage {
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                let stored = try await Self.insert(message, on: connection, logger: logger)
                try await Self.prune(connection, retention: retention, logger: logger)
                try await Self.announce(stored.message.id, on: connection, logger: logger)
                return stored
            }
        }
    }

    private static func insert(_ message: NewMessage, on connection: PostgresConnection, logger: Logger) async throws -> StoredMessage {
        // The id first, so the record written with the row already carries it.
        let id = try await connection.query("SELECT nextval(pg_get_serial_sequence('messages', 'id'))", logger: logger)
            .decode(Int64.self).first { _ in true } ?? 0
        let stored = Message(id: id, fields: message)
        let record = try JSONCoding.encoder.encode(stored)
        try await connection.query("""
            INSERT INTO messages (id, content, provider, provider_name, model, prompt_tokens, completion_tokens, total_tokens,
                finish_reason, response_id, profile, latency_ms, created_at, source, attempts, record, record_version)
            VALUES (\(id), \(message.content), \(message.provider), \(message.providerName), \(message.model),
                \(message.usage.promptTokens), \(message.usage.completionTokens), \(message.usage.totalTokens),
                \(message.finishReason), \(message.responseID), \(message.profile), \(message.latencyMs),
                \(RFC3339.string(from: message.createdAt)), \(message.source.rawValue), \(try json(message.attempts)),
                \(String(decoding: record, as: UTF8.self)), \(Message.recordVersion))
            """, logger: logger)
        return StoredMessage(message: stored, record: record)
    }

    /// Delivered to every listening instance when the transaction commits, never before.
    private static func announce(_ id: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(messagesChannel), \(String(id)))", logger: logger)
    }

    private static func prune(_ connection: PostgresConnection, retention: Int, logger: Logger) async throws {
        try await connection.query("DELETE FROM messages WHERE id <= (SELECT MAX(id) FROM messages) - \(retention)", logger: logger)
    }

    public func latest() async throws -> Message? {
        try await messages("SELECT * FROM messages ORDER BY id DESC LIMIT 1").first
    }

    public func message(id: Int64) async throws -> Message {
        guard let found = try await messages("SELECT * FROM messages WHERE id = \(id)").first else { throw StoreError.notFound(id) }
        return found
    }

    public func messages(limit: Int, before: Int64?) async throws -> [Message] {
        try await messages("SELECT * FROM messages WHERE id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)")
    }

    public func encodedMessages(limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)] {
        // Only the record columns: a page is the stored records joined.
        let rows = try await rows("SELECT id, record_version, record FROM messages WHERE id < \(before ?? Int64.max) ORDER BY id DESC LIMIT \(limit)")
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

    public func messages(after: Int64, limit: Int) async throws -> [Message] {
        try await messages("SELECT * FROM messages WHERE id > \(after) ORDER BY id LIMIT \(limit)")
    }

    public func storedCount() async throws -> Int {
        try await rows("SELECT COALESCE((SELECT MAX(id) FROM messages) - (SELECT MIN(id) FROM messages) + 1, 0)::bigint AS n", within: 1)
            .first.map { Int(try $0["n"].decode(Int64.self)) } ?? 0
    }

    public func recentContents(limit: Int) async throws -> [String] {
        try await rows("SELECT content FROM messages ORDER BY id DESC LIMIT \(limit)").map { try $0["content"].decode(String.self) }
    }

    public func archiveCandidate(excludingNewest: Int) async throws -> Message? {
        guard let latest = try await rows("SELECT content FROM messages ORDER BY id DESC LIMIT 1").first.map({ try $0["content"].decode(String.self) }) else {
            return nil
        }
        let bounds = try await rows("""
            SELECT MIN(id) AS low, MAX(id) AS high FROM messages WHERE source IN ('generated', 'import') AND content != \(latest)
            """).first
        guard let low = try bounds?["low"].decode(Int64?.self), let high = try bounds?["high"].decode(Int64?.self) else { return nil }
        let shown = try await rows("SELECT id FROM messages ORDER BY id DESC LIMIT \(excludingNewest)").map { try $0["id"].decode(Int64.self) }
        let cutoff = min(high, (shown.last ?? high + 1) - 1)
        // Older than the newest shown where there is one; with few messages yet, any other than the one on screen.
        let bound = cutoff >= low ? cutoff : high
        // A random one: the first eligible at or after a random id, else the last before it.
        let start = Int64.random(in: low...bound)
        if let after = try await messages("""
            SELECT * FROM messages WHERE source IN ('generated', 'import') AND content != \(latest) AND id >= \(start) AND id <= \(bound) ORDER BY id LIMIT 1
            """).first {
            return after
        }
        return try await messages("""
            SELECT * FROM messages WHERE source IN ('generated', 'import') AND content != \(latest) AND id <= \(bound) ORDER BY id DESC LIMIT 1
            """).first
    }

    public func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int) {
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                var seen = Set<String>()
                for try await content in try await connection.query("SELECT content FROM messages", logger: logger).decode(String.self) {
                    seen.insert(content)
                }
                let now = Date()
                var imported = 0
                var last: Int64?
                for content in contents where seen.insert(content).inserted {
                    let record = NewMessage(content: content, provider: "import", providerName: "AI-Ticker", model: "unknown", usage: Usage(),
                                            profile: profile, latencyMs: 0, createdAt: now, source: .imported, attempts: [])
                    last = try await Self.insert(record, on: connection, logger: logger).message.id
                    imported += 1
                }
                try await Self.prune(connection, retention: retention, logger: logger)
                if let last { try await Self.announce(last, on: connection, logger: logger) }
                return (imported, contents.count - imported)
            }
        }
    }

    // MARK: - Ticks and overrides

    public func recordTick(_ tick: TickRecord, retention: Int) async throws {
        let attempts = try Self.json(tick.attempts)
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                let id = try await connection.query("""
                    INSERT INTO ticks (started_at, finished_at, trigger, outcome, message_id, attempts)
                    VALUES (\(RFC3339.string(from: tick.startedAt)), \(RFC3339.string(from: tick.finishedAt)), \(tick.trigger.rawValue),
                            \(tick.outcome.rawValue), \(tick.messageID), \(attempts)) RETURNING id
                    """, logger: logger).decode(Int64.self).first { _ in true } ?? 0
                try await connection.query("DELETE FROM ticks WHERE id <= \(id - Int64(retention))", logger: logger)
            }
        }
    }

    public func recentTicks(limit: Int) async throws -> [TickRecord] {
        try await rows("SELECT * FROM ticks ORDER BY id DESC LIMIT \(limit)").map { row in
            TickRecord(
                startedAt: RFC3339.date(from: try row["started_at"].decode(String.self)) ?? .distantPast,
                finishedAt: RFC3339.date(from: try row["finished_at"].decode(String.self)) ?? .distantPast,
                trigger: TickRecord.Trigger(rawValue: try row["trigger"].decode(String.self)) ?? .timer,
                outcome: TickRecord.Outcome(rawValue: try row["outcome"].decode(String.self)) ?? .failed,
                messageID: try row["message_id"].decode(Int64?.self), attempts: try Self.attempts(row)
            )
        }
    }

    public func overrides() async throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for row in try await rows("SELECT key, value FROM config_overrides") {
            values[try row["key"].decode(String.self)] = try JSONDecoder().decode(JSONValue.self, from: Data(try row["value"].decode(String.self).utf8))
        }
        return values
    }

    public func setOverrides(_ values: [String: JSONValue?]) async throws {
        let encoded = try values.map { key, value in (key, try value.map(Self.json)) }
        let now = RFC3339.string(from: Date())
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                for (key, value) in encoded {
                    if let value {
                        try await connection.query("""
                            INSERT INTO config_overrides (key, value, updated_at) VALUES (\(key), \(value), \(now))
                            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at
                            """, logger: logger)
                    } else {
                        try await connection.query("DELETE FROM config_overrides WHERE key = \(key)", logger: logger)
                    }
                }
            }
        }
    }

    public func claim(slot: Int64, instance: String) async throws -> Bool {
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
                let claimed = try await connection.query("""
                    INSERT INTO tick_slots (slot, instance, claimed_at) VALUES (\(slot), \(instance), \(RFC3339.string(from: Date())))
                    ON CONFLICT (slot) DO NOTHING RETURNING slot
                    """, logger: logger).decode(Int64.self).first { _ in true } != nil
                try await connection.query("DELETE FROM tick_slots WHERE slot < \(slot - 10_000)", logger: logger)
                return claimed
            }
        }
    }

    public func announceConfigurationChange(by instance: String) async throws {
        _ = try await rows("SELECT pg_notify(\(Self.configurationChannel), \(instance))::text AS sent")
    }

    public func shareHealth(_ probes: [HealthProbe], by instance: String) async throws {
        try await write { [logger] client in
            try await client.withTransaction(logger: logger) { connection in
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
            return try await bounded(within: seconds) { [client, logger] in
                var rows: [PostgresRandomAccessRow] = []
                for try await row in try await client.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
                return rows
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unavailable("database read failed: \(Self.reason(error))")
        }
    }

    private func messages(_ query: PostgresQuery) async throws -> [Message] {
        try await rows(query).map(Self.message)
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws -> T {
        do {
            let result = try await bounded { [client] in try await body(client) }
            lastWriteFailed.store(false, ordering: .releasing)
            return result
        } catch where Self.serverError(error)?.serverInfo?[.sqlState]?.hasPrefix("23") == true {
            // Class 23, an integrity constraint: the row was wrong, not the database.
            throw StoreError.unavailable("database refused the row: \(Self.reason(error))")
        } catch {
            lastWriteFailed.store(true, ordering: .releasing)
            if let error = error as? StoreError { throw error }
            throw StoreError.unavailable("database write failed: \(Self.reason(error))")
        }
    }

    /// What went wrong, from the server's own message where there is one; never the query's binds.
    static func reason(_ error: any Error) -> String {
        guard let error = serverError(error) else {
            return error is PostgresTransactionError ? "transaction failed" : "\(error)"
        }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    /// The driver's error, also from inside a transaction's wrapper.
    private static func serverError(_ error: any Error) -> PSQLError? {
        if let error = error as? PSQLError { return error }
        guard let wrapped = error as? PostgresTransactionError else { return nil }
        return [wrapped.closureError, wrapped.beginError, wrapped.commitError].lazy.compactMap { $0 as? PSQLError }.first
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }

    private static func message(_ row: PostgresRandomAccessRow) throws -> Message {
        Message(id: try row["id"].decode(Int64.self), fields: NewMessage(
            content: try row["content"].decode(String.self),
            provider: try row["provider"].decode(String.self), providerName: try row["provider_name"].decode(String.self),
            model: try row["model"].decode(String.self),
            usage: Usage(promptTokens: try row["prompt_tokens"].decode(Int.self), completionTokens: try row["completion_tokens"].decode(Int.self),
                         totalTokens: try row["total_tokens"].decode(Int.self)),
            finishReason: try row["finish_reason"].decode(String?.self), responseID: try row["response_id"].decode(String?.self),
            profile: try row["profile"].decode(String.self), latencyMs: try row["latency_ms"].decode(Double.self),
            createdAt: RFC3339.date(from: try row["created_at"].decode(String.self)) ?? .distantPast,
            source: MessageSource(rawValue: try row["source"].decode(String.self)) ?? .generated,
            attempts: try attempts(row)
        ))
    }

    private static func attempts(_ row: PostgresRandomAccessRow) throws -> [Attempt] {
        let text = try row["attempts"].decode(String.self)
        return (try? JSONCoding.decoder.decode([Attempt].self, from: Data(text.utf8))) ?? []
    }
}
