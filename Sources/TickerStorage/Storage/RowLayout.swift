import Foundation
import TickerCore

/// The `messages` table's layout, the same on SQLite and PostgreSQL: a column per field (times
/// as RFC 3339 text, attempts as JSON text), and beside them the encoded record the API serves
/// with its version (`Message.recordVersion`; a record of an older version is rebuilt from the
/// columns when read). scripts/tickerlib.py copies a row ai-ticker wrote rather than this list.
package enum MessageRows {
    /// The field columns of `message`, in the order they are written (no id, no record).
    package static func columns(_ message: NewMessage) throws -> [(name: String, value: SQLValue)] {
        [
            ("channel", .text(message.channel)), ("content", .text(message.content)), ("provider", .text(message.provider)), ("provider_name", .text(message.providerName)),
            ("model", .text(message.model)), ("prompt_tokens", .integer(Int64(message.usage.promptTokens))),
            ("completion_tokens", .integer(Int64(message.usage.completionTokens))), ("total_tokens", .integer(Int64(message.usage.totalTokens))),
            ("finish_reason", .text(message.finishReason)), ("response_id", .text(message.responseID)), ("profile", .text(message.profile)),
            ("latency_ms", .real(message.latencyMs)), ("created_at", .text(RFC3339.string(from: message.createdAt))),
            ("source", .text(message.source.rawValue)), ("attempts", .text(try json(message.attempts))),
        ]
    }

    /// The record columns of a stored message: its encoding as the API returns it, and which
    /// shape of `Message` that is.
    package static func record(_ record: Data) -> [(name: String, value: SQLValue)] {
        [("record", .text(String(decoding: record, as: UTF8.self))), ("record_version", .integer(Int64(Message.recordVersion)))]
    }

    /// A message read back from its columns. Throws (never traps) on a row a damaged database
    /// returns with NULLs or wrong types.
    package static func message(_ row: some SQLRow) throws -> Message {
        Message(id: try row.required(row.integer, "id"), fields: NewMessage(
            content: try row.required(row.text, "content"),
            provider: try row.required(row.text, "provider"), providerName: try row.required(row.text, "provider_name"),
            model: try row.required(row.text, "model"),
            usage: Usage(promptTokens: Int(try row.required(row.integer, "prompt_tokens")),
                         completionTokens: Int(try row.required(row.integer, "completion_tokens")),
                         totalTokens: Int(try row.required(row.integer, "total_tokens"))),
            finishReason: try row.text("finish_reason"), responseID: try row.text("response_id"),
            profile: try row.required(row.text, "profile"), latencyMs: try row.required(row.real, "latency_ms"),
            createdAt: RFC3339.date(from: try row.required(row.text, "created_at")) ?? .distantPast,
            source: MessageSource(rawValue: try row.required(row.text, "source")) ?? .generated,
            attempts: try attempts(row), channel: try row.required(row.text, "channel")
        ))
    }

    /// What `importMessages` stores: each of `contents` not already among `stored` (nor earlier
    /// in `contents`), oldest first, as a message of the original AI-Ticker's cache.
    /// Imports go to the channel `default`, whose voice the original had.
    package static func imported(_ contents: [String], stored: Set<String>, profile: String, at now: Date) -> [NewMessage] {
        var seen = stored
        return contents.filter { seen.insert($0).inserted }.map { content in
            NewMessage(content: content, provider: "import", providerName: "AI-Ticker", model: "unknown", usage: Usage(),
                       profile: profile, latencyMs: 0, createdAt: now, source: .imported, attempts: [])
        }
    }

    /// How many ids a channel (`$1`) spans from its oldest message to its newest (NULL when it
    /// has none): two index lookups, and never fewer than the messages it holds.
    package static let idSpan = """
        SELECT (SELECT MAX(id) FROM messages WHERE channel = $1) - (SELECT MIN(id) FROM messages WHERE channel = $1) + 1
        """
    /// Whether a channel spanning `span` ids may hold more than `retention` messages by more
    /// than the slack (1 %): finding what to delete reads `retention` index entries, so a large
    /// retention is enforced in steps rather than on every insert, and not at all while the
    /// channel spans fewer ids than it keeps.
    package static func mayNeedPruning(span: Int64?, retention: Int) -> Bool {
        (span ?? 0) > Int64(retention + retention / 100)
    }
    /// The oldest id a channel (`$1`) keeps with its newest `retention` (`$2`); none while it
    /// holds fewer.
    package static let oldestKept = "SELECT id FROM messages WHERE channel = $1 ORDER BY id DESC LIMIT 1 OFFSET $2 - 1"
    /// Deletes a channel's (`$1`) messages older than `$2` (`oldestKept`).
    package static let prune = "DELETE FROM messages WHERE channel = $1 AND id < $2"

    static func attempts(_ row: some SQLRow) throws -> [Attempt] {
        (try? JSONCoding.decoder.decode([Attempt].self, from: Data(try row.required(row.text, "attempts").utf8))) ?? []
    }
}

/// The `ticks` table's layout.
package enum TickRows {
    package static func columns(_ tick: TickRecord) throws -> [(name: String, value: SQLValue)] {
        [
            ("channel", .text(tick.channel)), ("started_at", .text(RFC3339.string(from: tick.startedAt))), ("finished_at", .text(RFC3339.string(from: tick.finishedAt))),
            ("trigger", .text(tick.trigger.rawValue)), ("outcome", .text(tick.outcome.rawValue)),
            ("message_id", .integer(tick.messageID)), ("attempts", .text(try json(tick.attempts))),
        ]
    }

    /// Keeps a channel's (`$1`) newest `retention` (`$2`) ticks.
    package static let prune = """
        DELETE FROM ticks WHERE channel = $1
            AND id < (SELECT id FROM ticks WHERE channel = $1 ORDER BY id DESC LIMIT 1 OFFSET $2 - 1)
        """

    package static func tick(_ row: some SQLRow) throws -> TickRecord {
        TickRecord(
            channel: try row.required(row.text, "channel"),
            startedAt: RFC3339.date(from: try row.required(row.text, "started_at")) ?? .distantPast,
            finishedAt: RFC3339.date(from: try row.required(row.text, "finished_at")) ?? .distantPast,
            trigger: TickRecord.Trigger(rawValue: try row.required(row.text, "trigger")) ?? .timer,
            outcome: TickRecord.Outcome(rawValue: try row.required(row.text, "outcome")) ?? .failed,
            messageID: try row.integer("message_id"), attempts: try MessageRows.attempts(row)
        )
    }
}

/// The `config_overrides` table: a key's JSON value and when it was set.
package enum OverrideRows {
    /// `$1` key, `$2` JSON value, `$3` time (the same upsert on SQLite 3.24+ and PostgreSQL).
    package static let set = """
        INSERT INTO config_overrides (key, value, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
        """
    package static let remove = "DELETE FROM config_overrides WHERE key = $1"

    /// The statement and arguments that store or remove each key.
    package static func statements(_ values: [String: JSONValue?]) throws -> [(sql: String, arguments: [SQLValue])] {
        let now = RFC3339.string(from: Date())
        return try values.map { key, value in
            guard let value else { return (remove, [.text(key)]) }
            return (set, [.text(key), .text(try json(value)), .text(now)])
        }
    }
}

/// `INSERT INTO table (a, b, …) VALUES ($1, $2, …)` for `columns`.
package func insertStatement(into table: String, _ columns: [(name: String, value: SQLValue)]) -> (sql: String, arguments: [SQLValue]) {
    let names = columns.map(\.name).joined(separator: ", ")
    let places = columns.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
    return ("INSERT INTO \(table) (\(names)) VALUES (\(places))", columns.map(\.value))
}

private func json(_ value: some Encodable) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
}
