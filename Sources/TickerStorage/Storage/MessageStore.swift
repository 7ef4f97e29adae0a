import Foundation
import Logging
import TickerCore

/// Errors of the storage layer.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(Int64)
    /// No audit record with this id.
    case noRecord(Int64)
    /// The request does not fit what is stored (approving a record that is not held).
    case conflict(String)
    /// The database could not be opened, read or written (disk full, read-only, corrupt).
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let id): "no message with id \(id)"
        case .noRecord(let id): "no audit record with id \(id)"
        case .conflict(let reason), .unavailable(let reason): reason
        }
    }
}

/// Durable storage for messages, ticks and runtime configuration overrides. Messages and ticks
/// belong to a channel; ids are one sequence across all channels.
public protocol MessageStore: Sendable {
    /// Stores a message in its channel, prunes the channel beyond `retention`, and returns it
    /// with its id and its record.
    func insert(_ message: NewMessage, retention: Int) async throws -> StoredMessage
    func latest(channel: String) async throws -> Message?
    /// Any channel's message; throws `StoreError.notFound` for an unknown id.
    func message(id: Int64) async throws -> Message
    /// A channel's messages, newest first, ids below `before` when given.
    func messages(channel: String, limit: Int, before: Int64?) async throws -> [Message]
    /// Newest first like `messages`, each already encoded as the API returns it.
    func encodedMessages(channel: String, limit: Int, before: Int64?) async throws -> [(id: Int64, json: Data)]
    /// A channel's messages oldest first, ids above `after` (what a stream client missed).
    func messages(channel: String, after: Int64, limit: Int) async throws -> [Message]
    /// The contents of a channel's newest `limit` messages, for de-duplication.
    func recentContents(channel: String, limit: Int) async throws -> [String]
    /// How many messages are stored in all, from the range of their ids (the oldest are pruned
    /// first, so it is close unless ids were skipped): two index lookups, not a scan. Health
    /// reads it as its ping too, so it fails as soon as (PostgreSQL: within a second) the
    /// database does not answer.
    func storedCount() async throws -> Int
    /// How many messages each channel holds (a channel with none is absent).
    func channelCounts() async throws -> [String: Int]
    /// For `use_cache`: a random generated or imported message of the channel other than its
    /// latest one, older than the newest `excludingNewest` where there is one.
    func archiveCandidate(channel: String, excludingNewest: Int) async throws -> Message?
    /// Stores `contents` in the channel `default`, oldest first, as `source: import`, skipping
    /// any already stored; all or nothing.
    func importMessages(_ contents: [String], profile: String, retention: Int) async throws -> (imported: Int, skipped: Int)
    /// Records a tick and keeps its channel's newest `retention`; its attempts go to the
    /// `attempts` table too, which keeps `statsDays` days.
    func recordTick(_ tick: TickRecord, retention: Int, statsDays: Int) async throws
    /// Attempts since `since` (seconds since 1970) grouped for `/api/stats` (`AttemptRows`).
    func attemptGroups(since: Int64, bucket: Int64) async throws -> [AttemptGroup]
    /// What each provider spent for each channel since `since`.
    func spend(since: Int64) async throws -> [(provider: String, channel: String, spend: Double)]
    /// The newest ticks of a channel, or of every channel when nil.
    func recentTicks(channel: String?, limit: Int) async throws -> [TickRecord]
    /// Adds an audit record (its id is given here); `held` is the message a held record
    /// publishes when approved. Keeps the channel's newest `retention` records and every held one.
    func addAudit(_ record: AuditRecord, held: NewMessage?, retention: Int) async throws -> AuditRecord
    /// Audit records newest first, of a channel and a status when given, ids below `before`.
    func audit(channel: String?, status: AuditRecord.Status?, limit: Int, before: Int64?) async throws -> [AuditRecord]
    /// Publishes held record `id`: stores its message as a new one (a new id, linking the record;
    /// its channel keeps `retention(channel)`) and marks the record approved by `by`, `note`
    /// added to its reason. `StoreError.noRecord`, or `.conflict` when it is not held.
    func approve(held id: Int64, by: String, note: String?, retention: @escaping @Sendable (String) -> Int) async throws -> (record: AuditRecord, stored: StoredMessage)
    /// Marks held record `id` rejected by `by`; the same errors as `approve`.
    func reject(held id: Int64, by: String, note: String?) async throws -> AuditRecord
    /// Takes published message `id` out of every read (an audit record keeps it) and returns the
    /// record with the channel's newest message left. `StoreError.notFound` for an unknown id.
    func retract(message id: Int64, by: String, reason: String?) async throws -> (record: AuditRecord, current: Message?)
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
