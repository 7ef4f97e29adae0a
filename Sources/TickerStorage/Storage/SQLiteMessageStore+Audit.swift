import Foundation
import GRDB
import TickerCore

/// The audit, the review queue and retraction on SQLite: each change in one transaction.
extension SQLiteMessageStore {
    public func addAudit(_ record: AuditRecord, held: NewMessage?, retention: Int) async throws -> AuditRecord {
        let insert = insertStatement(into: "audit", try AuditRows.columns(record, held: held))
        return try await write { db in
            try Self.execute(insert, in: db)
            var added = record
            added.id = db.lastInsertedRowID
            try Self.execute((AuditRows.prune, [.text(record.channel), .integer(Int64(retention))]), in: db)
            return added
        }
    }

    public func audit(channel: String?, status: AuditRecord.Status?, limit: Int, before: Int64?) async throws -> [AuditRecord] {
        try await readAudit(channel: channel, status: status, limit: limit, before: before)
    }

    public func approve(held id: Int64, by: String, note: String?, retention: @escaping @Sendable (String) -> Int) async throws -> (record: AuditRecord, stored: StoredMessage) {
        let result = try await decide(held: id, as: .approved, by: by, note: note) { db, row in
            var message = try AuditRows.heldMessage(row)
            (message.createdAt, message.heldID) = (Date(), id)
            var stored = try Self.insert(message, in: db)
            stored.deletedUpTo = try Self.prune(db, channel: message.channel, retention: retention(message.channel))
            try Self.execute((AuditRows.link, [.integer(stored.message.id), .integer(id)]), in: db)
            return stored
        }
        lock?.record(result.extra.message.id)
        var record = result.record
        record.messageID = result.extra.message.id
        return (record, result.extra)
    }

    public func reject(held id: Int64, by: String, note: String?) async throws -> AuditRecord {
        try await decide(held: id, as: .rejected, by: by, note: note) { _, _ in }.record
    }

    /// Moves held record `id` to `status` and runs `then` in the same transaction; the errors of `approve`.
    private func decide<T: Sendable>(held id: Int64, as status: AuditRecord.Status, by: String, note: String?,
                                     then: @escaping @Sendable (Database, Row) throws -> T) async throws -> (record: AuditRecord, extra: T) {
        let arguments: [SQLValue] = [.text(status.rawValue), .text(by), .text(RFC3339.string(from: Date())), AuditRows.note(note, status), .integer(id)]
        let decided = try await write { db -> (record: AuditRecord, extra: T)? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: AuditRows.decide), arguments: StatementArguments(arguments)) else { return nil }
            return (try AuditRows.record(row), try then(db, row))
        }
        if let decided { return decided }
        throw AuditRows.undecidable(id, found: try await readAuditRecord(id: id))
    }

    public func retract(message id: Int64, by: String, reason: String?) async throws -> (record: AuditRecord, current: Message?) {
        try await write { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: AuditRows.withdraw), arguments: [id]) else { throw StoreError.notFound(id) }
            let message = try MessageRows.message(row)
            var record = AuditRecord(channel: message.channel, status: .retracted, content: message.content, reason: reason,
                                     provider: message.provider, model: message.model, messageID: id, decidedBy: by)
            try Self.execute(insertStatement(into: "audit", try AuditRows.columns(record, held: nil)), in: db)
            record.id = db.lastInsertedRowID
            let current = try Row.fetchOne(db.cachedStatement(sql: MessageRows.newest), arguments: [message.channel]).map(MessageRows.message)
            return (record, current)
        }
    }
}
