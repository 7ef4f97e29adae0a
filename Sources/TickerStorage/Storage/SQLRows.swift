import Foundation
import TickerCore

/// A value bound to a statement, the same for SQLite and PostgreSQL.
package enum SQLValue: Sendable {
    case text(String?)
    case integer(Int64?)
    case real(Double)
}

/// A row as the shared mapping reads it, column by name; NULL is nil. Each store's row type
/// answers (GRDB's `Row`, postgres-nio's `PostgresRandomAccessRow`).
package protocol SQLRow {
    func text(_ column: String) throws -> String?
    func integer(_ column: String) throws -> Int64?
    func real(_ column: String) throws -> Double?
}

extension SQLRow {
    /// The column's value; a NULL where the schema allows none is a damaged row, which throws.
    func required<T>(_ read: (String) throws -> T?, _ column: String) throws -> T {
        guard let value = try read(column) else { throw StoreError.unavailable("database row without \(column)") }
        return value
    }
}

/// What the shared reads need of a store: a statement run with its arguments, each row read by
/// `read` where the store has it. Statements are written once, in the SQL both databases take,
/// with `$1`, `$2`… for the arguments.
package protocol SQLReading: Sendable {
    associatedtype Row: SQLRow
    func rows<T: Sendable>(_ sql: String, _ arguments: [SQLValue], _ read: @escaping @Sendable (Row) throws -> T) async throws -> [T]
}

/// The reads of `MessageStore` that are the same on both databases. A channel's reads go through
/// the `(channel, id)` index.
extension SQLReading {
    package func readLatest(channel: String) async throws -> Message? {
        try await rows(MessageRows.newest, [.text(channel)], MessageRows.message).first
    }

    package func readMessage(id: Int64) async throws -> Message {
        guard let found = try await rows("SELECT * FROM messages WHERE id = $1", [.integer(id)], MessageRows.message).first else {
            throw StoreError.notFound(id)
        }
        return found
    }

    package func readMessages(channel: String, limit: Int, before: Int64?) async throws -> [Message] {
        try await rows("SELECT * FROM messages WHERE channel = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                       [.text(channel), .integer(before ?? .max), .integer(Int64(limit))], MessageRows.message)
    }

    package func readMessages(channel: String, after: Int64, limit: Int) async throws -> [Message] {
        try await rows("SELECT * FROM messages WHERE channel = $1 AND id > $2 ORDER BY id LIMIT $3",
                       [.text(channel), .integer(after), .integer(Int64(limit))], MessageRows.message)
    }

    package func readRecentContents(channel: String, limit: Int) async throws -> [String] {
        try await rows("SELECT content FROM messages WHERE channel = $1 ORDER BY id DESC LIMIT $2", [.text(channel), .integer(Int64(limit))]) {
            try $0.required($0.text, "content")
        }
    }

    /// `use_cache`'s pick within a channel: a random generated or imported message whose text is
    /// not the one on screen, older than the newest `excludingNewest` where there is one (with few
    /// messages yet, any other). Random: the first eligible at or after a random id, else the last
    /// before it.
    package func readArchiveCandidate(channel: String, excludingNewest: Int) async throws -> Message? {
        guard let latest = try await readRecentContents(channel: channel, limit: 1).first else { return nil }
        let eligible = "channel = $1 AND source IN ('generated', 'import') AND content != $2"
        let bounds = try await rows("SELECT MIN(id) AS low, MAX(id) AS high FROM messages WHERE \(eligible)", [.text(channel), .text(latest)]) {
            (low: try $0.integer("low"), high: try $0.integer("high"))
        }
        guard let low = bounds.first?.low, let high = bounds.first?.high else { return nil }
        let shown = try await rows("SELECT id FROM messages WHERE channel = $1 ORDER BY id DESC LIMIT $2", [.text(channel), .integer(Int64(excludingNewest))]) {
            try $0.required($0.integer, "id")
        }
        let cutoff = min(high, (shown.last ?? high + 1) - 1)
        let bound = cutoff >= low ? cutoff : high
        let start = Int64.random(in: low...bound)
        if let after = try await rows("SELECT * FROM messages WHERE \(eligible) AND id >= $3 AND id <= $4 ORDER BY id LIMIT 1",
                                      [.text(channel), .text(latest), .integer(start), .integer(bound)], MessageRows.message).first {
            return after
        }
        return try await rows("SELECT * FROM messages WHERE \(eligible) AND id <= $3 ORDER BY id DESC LIMIT 1",
                              [.text(channel), .text(latest), .integer(bound)], MessageRows.message).first
    }

    /// The newest ticks, of one channel or of all.
    package func readRecentTicks(channel: String?, limit: Int) async throws -> [TickRecord] {
        guard let channel else { return try await rows("SELECT * FROM ticks ORDER BY id DESC LIMIT $1", [.integer(Int64(limit))], TickRows.tick) }
        return try await rows("SELECT * FROM ticks WHERE channel = $1 ORDER BY id DESC LIMIT $2", [.text(channel), .integer(Int64(limit))], TickRows.tick)
    }

    /// How many messages each channel holds (channels without any are absent).
    package func readChannelCounts() async throws -> [String: Int] {
        let pairs = try await rows("SELECT channel, COUNT(*) AS n FROM messages GROUP BY channel", []) {
            (try $0.required($0.text, "channel"), Int(try $0.required($0.integer, "n")))
        }
        return Dictionary(pairs) { _, last in last }
    }

    package func readAudit(channel: String?, status: AuditRecord.Status?, limit: Int, before: Int64?) async throws -> [AuditRecord] {
        // Each filter is either set or matches everything, so one statement serves all four.
        try await rows("""
            SELECT * FROM audit WHERE (CAST($1 AS TEXT) IS NULL OR channel = $1) AND (CAST($2 AS TEXT) IS NULL OR status = $2) AND id < $3 ORDER BY id DESC LIMIT $4
            """, [.text(channel), .text(status?.rawValue), .integer(before ?? .max), .integer(Int64(limit))], AuditRows.record)
    }

    package func readAuditRecord(id: Int64) async throws -> AuditRecord? {
        try await rows("SELECT * FROM audit WHERE id = $1", [.integer(id)], AuditRows.record).first
    }

    package func readOverrides() async throws -> [String: JSONValue] {
        let pairs = try await rows("SELECT key, value FROM config_overrides", []) { row in
            (try row.required(row.text, "key"), try JSONDecoder().decode(JSONValue.self, from: Data(try row.required(row.text, "value").utf8)))
        }
        return Dictionary(pairs) { _, last in last }
    }
}
