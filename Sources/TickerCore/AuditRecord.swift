import Foundation

/// What kept a candidate message off the screens, changed it, held it for review, or took it
/// back, with who or what decided and when (the `AuditRecord` schema of Resources/openapi.json).
/// Admin routes only: a blocked message's text may be what should never be shown.
public struct AuditRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// A rule refused the answer; the next provider was asked.
        case blocked
        /// Published with a rule's matches replaced (`message_id`).
        case redacted
        /// Stored, not published, until someone approves or rejects it.
        case held
        /// A held message, published as `message_id`.
        case approved
        /// A held message that is never published.
        case rejected
        /// A published message (`message_id`) taken off every public route.
        case retracted
    }

    /// The record's own id (a held message is approved or rejected by it), not a message id.
    public var id: Int64
    public var channel: String
    public var status: Status
    /// The text as the rule saw it; in a blocked record, secrets and personal data masked.
    public var content: String
    /// The rule that acted (`review` when the channel holds every message); none for a retraction.
    public var rule: String?
    public var reason: String?
    public var provider: String
    public var model: String
    /// The published message it concerns: redacted, approved as, or retracted.
    public var messageID: Int64?
    public var createdAt: Date
    /// `guardrail` for a rule's decision, `review` for the channel's switch, `admin` (with who,
    /// where the client said) for a person's.
    public var decidedBy: String
    public var decidedAt: Date

    public init(id: Int64 = 0, channel: String, status: Status, content: String, rule: String? = nil, reason: String? = nil,
                provider: String, model: String, messageID: Int64? = nil, createdAt: Date = Date(), decidedBy: String, decidedAt: Date? = nil) {
        self.id = id
        self.channel = channel
        self.status = status
        self.content = content
        self.rule = rule
        self.reason = reason
        self.provider = provider
        self.model = model
        self.messageID = messageID
        self.createdAt = createdAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, status, content, rule, reason, provider, model, messageID = "message_id", createdAt = "created_at"
        case decidedBy = "decided_by", decidedAt = "decided_at"
    }
}
