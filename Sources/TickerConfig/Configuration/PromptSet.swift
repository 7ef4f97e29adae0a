import Foundation

/// `prompts.json` in the original format: `{"profile": {"system": "...", "user": "..."}}`.
struct PromptSet: Sendable {
    struct Prompt: Codable, Sendable {
        var system: String
        var user: String
    }

    var profiles: [String: Prompt]

    /// Used when no prompts file exists.
    static let builtin = PromptSet(profiles: [
        "default": Prompt(
            system: "You write short, friendly messages for a scrolling ticker. Plain text only: no quotes, no hashtags, no emoji.",
            user: "Write one fresh ticker message: a surprising fact, a useful tip or a kind thought, under 140 characters."
        )
    ])

    /// Reads `path`; a missing file gives the built-in set, a malformed one an issue naming the file.
    static func load(path: String) throws(ConfigurationIssue) -> PromptSet {
        guard FileManager.default.fileExists(atPath: path) else { return builtin }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return PromptSet(profiles: try JSONDecoder().decode([String: Prompt].self, from: data))
        } catch let error as DecodingError {
            throw ConfigurationIssue(source: path, reason: "expected {\"profile\": {\"system\": \"...\", \"user\": \"...\"}}: \(Self.describe(error))")
        } catch {
            throw ConfigurationIssue(source: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context): context.debugDescription
        case .keyNotFound(let key, let context): "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: "\(error)"
        }
    }
}
