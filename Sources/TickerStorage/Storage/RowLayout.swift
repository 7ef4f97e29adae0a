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
            ("source", .text(message.source.rawValue)), ("attempts", .text(try json(message.attempts))), ("held_id", .integer(message.heldID)),
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
            attempts: try attempts(row), channel: try row.required(row.text, "channel"), heldID: try row.integer("held_id")
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

    /// A channel's (`$1`) newest message.
    package static let newest = "SELECT * FROM messages WHERE channel = $1 ORDER BY id DESC LIMIT 1"
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
            ("message_id", .integer(tick.messageID)), ("held_id", .integer(tick.heldID)), ("attempts", .text(try json(tick.attempts))),
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
            messageID: try row.integer("message_id"), heldID: try row.integer("held_id"), attempts: try MessageRows.attempts(row)
        )
    }
}

/// The `audit` table: a record per message a guardrail or a person kept off the screens,
/// changed, held or took back. A held record keeps the message it would publish, as JSON.
package enum AuditRows {
    /// The table's columns after its id, in the SQL both databases take.
    package static let columns = """
        channel TEXT NOT NULL,
            status TEXT NOT NULL,
            content TEXT NOT NULL,
            rule TEXT,
            reason TEXT,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            message_id BIGINT,
            message TEXT,
            created_at TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            decided_at TEXT NOT NULL
        """

    package static func columns(_ record: AuditRecord, held message: NewMessage?) throws -> [(name: String, value: SQLValue)] {
        [
            ("channel", .text(record.channel)), ("status", .text(record.status.rawValue)), ("content", .text(record.content)),
            ("rule", .text(record.rule)), ("reason", .text(record.reason)), ("provider", .text(record.provider)), ("model", .text(record.model)),
            ("message_id", .integer(record.messageID)), ("message", .text(try message.map(json))),
            ("created_at", .text(RFC3339.string(from: record.createdAt))), ("decided_by", .text(record.decidedBy)),
            ("decided_at", .text(RFC3339.string(from: record.decidedAt))),
        ]
    }

    package static func record(_ row: some SQLRow) throws -> AuditRecord {
        AuditRecord(
            id: try row.required(row.integer, "id"), channel: try row.required(row.text, "channel"),
            status: AuditRecord.Status(rawValue: try row.required(row.text, "status")) ?? .blocked, content: try row.required(row.text, "content"),
            rule: try row.text("rule"), reason: try row.text("reason"), provider: try row.required(row.text, "provider"),
            model: try row.required(row.text, "model"), messageID: try row.integer("message_id"),
            createdAt: RFC3339.date(from: try row.required(row.text, "created_at")) ?? .distantPast, decidedBy: try row.required(row.text, "decided_by"),
            decidedAt: RFC3339.date(from: try row.required(row.text, "decided_at")) ?? .distantPast
        )
    }

    /// What a held record would publish: its message, in its channel.
    package static func heldMessage(_ row: some SQLRow) throws -> NewMessage {
        guard let text = try row.text("message"), var message = try? JSONCoding.decoder.decode(NewMessage.self, from: Data(text.utf8)) else {
            throw StoreError.unavailable("held record without its message")
        }
        message.channel = try row.required(row.text, "channel")
        return message
    }

    /// Moves a held record (`$5`) to `$1` (approved or rejected) by `$2` at `$3`, adding `$4`
    /// (the reviewer's note, or NULL) to its reason; no row when it is not held (any more), so
    /// two reviewers never both decide. (SQLite numbers parameters by first appearance: each
    /// statement uses them in order.)
    package static let decide = """
        UPDATE audit SET status = $1, decided_by = $2, decided_at = $3, reason = COALESCE(COALESCE(reason, '') || CAST($4 AS TEXT), reason)
        WHERE id = $5 AND status = 'held' RETURNING *
        """

    /// What a reviewer's note adds to a held record's reason.
    package static func note(_ note: String?, _ status: AuditRecord.Status) -> SQLValue {
        .text(note.map { "; \(status.rawValue): \($0)" })
    }
    /// Links an approved record (`$2`) to the message it was published as (`$1`).
    package static let link = "UPDATE audit SET message_id = $1 WHERE id = $2"
    /// Takes a published message (`$1`) out of `messages`, returning it.
    package static let withdraw = "DELETE FROM messages WHERE id = $1 RETURNING *"
    /// Keeps a channel's (`$1`) newest `$2` records, and every held one however old.
    package static let prune = """
        DELETE FROM audit WHERE channel = $1 AND status != 'held'
            AND id < (SELECT id FROM audit WHERE channel = $1 ORDER BY id DESC LIMIT 1 OFFSET $2 - 1)
        """

    /// Why record `id` could not be decided: it is not there, or not held any more.
    package static func undecidable(_ id: Int64, found: AuditRecord?) -> StoreError {
        guard let found else { return .noRecord(id) }
        return .conflict("record \(id) is \(found.status.rawValue) (by \(found.decidedBy) at \(RFC3339.string(from: found.decidedAt))), not held")
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
