import AITicker
import ArgumentParser
import Foundation
import TickerClient

/// The review queue and retraction, through the running service (it publishes what is approved
/// and tells every screen what is retracted).
struct Review: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the messages held for review (GET /api/review).",
        discussion: "Approve one with `ai-ticker approve ID`, or reject it with `ai-ticker reject ID`.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Only this channel's.")
    var channel: String?
    @Option(help: "How many (\(ListLimit.range.lowerBound)–\(ListLimit.range.upperBound)).")
    var limit: Int = 20

    func run() async throws {
        guard ListLimit.range.contains(limit) else {
            throw ValidationError("--limit must be from \(ListLimit.range.lowerBound) to \(ListLimit.range.upperBound)")
        }
        let held = try await Remote.send(common) { try await $0.getReviewQueue(query: .init(channel: channel, limit: limit)).ok.body.json.messages }
        guard !held.isEmpty else { return print("nothing is held for review") }
        print(Table.render(header: ["ID", "CHANNEL", "HELD", "RULE", "REASON", "MESSAGE"], rows: held.map { record in
            [String(record.id), record.channel, RFC3339.string(from: record.createdAt), record.rule ?? "", record.reason ?? "", record.content]
        }))
    }
}

/// What approve, reject and retract share: the id, and who decides with what reason.
struct DecisionOptions: ParsableArguments {
    @Option(help: "Who decides, kept in the audit record (default: your user name).")
    var by: String?
    @Option(help: "Why, kept in the audit record.")
    var reason: String?

    var body: Components.Schemas.Decision {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"]
        return .init(by: by ?? user.map { "\($0) (cli)" } ?? "cli", reason: reason)
    }

    static func print(_ record: Components.Schemas.AuditRecord) {
        let message = record.messageId.map { " as message #\($0)" } ?? ""
        Swift.print(MessageText.visible("record \(record.id) \(record.status.rawValue)\(message) by \(record.decidedBy): \(record.content)"))
    }
}

struct Approve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Publish a held message now, as a new message (POST /api/review/{id}/approve).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The held message's record id (`ai-ticker review` lists them).")
    var id: Int64
    @OptionGroup var decision: DecisionOptions

    func run() async throws {
        DecisionOptions.print(try await Remote.send(common) {
            try await $0.approveHeldMessage(path: .init(id: id), body: .json(decision.body)).ok.body.json
        })
    }
}

struct Reject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Never publish a held message (POST /api/review/{id}/reject).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The held message's record id (`ai-ticker review` lists them).")
    var id: Int64
    @OptionGroup var decision: DecisionOptions

    func run() async throws {
        DecisionOptions.print(try await Remote.send(common) {
            try await $0.rejectHeldMessage(path: .init(id: id), body: .json(decision.body)).ok.body.json
        })
    }
}

struct Retract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a published message off every screen and public route (POST /api/messages/{id}/retract).",
        discussion: "Screens switch to the channel's previous message at once; the audit keeps the retracted one.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The message id.")
    var id: Int64
    @OptionGroup var decision: DecisionOptions

    func run() async throws {
        DecisionOptions.print(try await Remote.send(common) {
            try await $0.retractMessage(path: .init(id: id), body: .json(decision.body)).ok.body.json
        })
    }
}
