import Foundation
import Logging
import TickerCore

/// Errors of the storage layer.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(Int64)
    /// The database could not be opened, read or written (disk full, read-only, corrupt).
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let id): "no message with id \(id)"
        case .unavailable(let reason): reason
        }
    }
}

/// Durable storage for messages, ticks and runtime configuration overrides.
public protocol MessageStore: Sendable {
    /// Stores a message, prunes beyond `retention`, and returns it with its id and its record.
    func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage
    func latest() async throws -> Message?
    /// Throws `StoreError.notFound` for an unknown id.
    func message(id: Int64) async throws -> Message
    /// Newest first, ids below `before` when given.
    func messages(limit: Int, before: Int64?) async throws -> [Message]
    /// Newest first like `messages`, each already encoded as the API returns it.
    func encodedMessages(limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)]
    /// Oldest first, ids above `after` (what a stream client missed).
    func messages(after: Int64, limit: Int) async throws -> [Message]
    /// The contents of the newest `limit` messages, for de-duplication.
    func recentContents(limit: Int) async throws -> [String]
    /// How many messages are stored, from the range of their ids (the oldest are pruned first,
    /// so it is exact unless ids were skipped): two index lookups, not a scan. Health reads it
    /// as its ping too, so it fails as soon as (PostgreSQL: within a second) the database does not answer.
    func storedCount() async throws -> Int
    /// For `use_cache`: a random generated or imported message other than the latest one,
    /// older than the newest `excludingNewest` where there is one.
    func archiveCandidate(excludingNewest: Int) async throws -> Message?
    /// Stores `contents` oldest first as `source: import`, skipping any already stored; all or nothing.
    func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int)
    func recordTick(_ tick: TickRecord, retention: Int) async throws
    func recentTicks(limit: Int) async throws -> [TickRecord]
    func overrides() async throws -> [String: JSONValue]
    /// Replaces the given keys; a `nil` value removes the key.
    func setOverrides(_ values: [String: JSONValue?]) async throws
    /// Answers whether the database can be read right now.
    func ping() async -> Bool
    /// False while `problem` is set, or since the last write failed (disk full), until a write
    /// succeeds again.
    var isWritable: Bool { get }
    /// Why nothing can be stored until the service restarts or the database is repaired
    /// (read-only, damaged, its file removed or replaced); nil when writes can go ahead.
    var problem: String? { get }
    /// Releases what the store holds for the service (the SQLite lock, the PostgreSQL
    /// connections), at shutdown.
    func close() async
    /// What the service must tell the operator about this database at start (messages lost).
    var startReport: [String] { get }
    /// The integrity check the service runs after it starts: `checking`, `ok` or `failed`
    /// (then `problem` says what it found); nil when none runs.
    var integrity: String? { get }
    /// Runs that check (once; storing waits for it) and returns what it found: nil when none was
    /// due, else the problem (nil when sound) and how long it took.
    func checkIntegrity() async -> (problem: String?, seconds: Double)?
    /// The database in words, for the health and logs: a path, or a URL without its password.
    var display: String { get }
}

extension MessageStore {
    public var startReport: [String] { [] }
    public var integrity: String? { nil }
    public func checkIntegrity() async -> (problem: String?, seconds: Double)? { nil }
}
