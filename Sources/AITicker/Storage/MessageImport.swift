import Foundation

/// The original AI-Ticker's message cache (`CACHE_FILE`, `message_cache.json`): a JSON list of
/// strings, oldest first.
public enum MessageImport {
    /// Why a cache file cannot be imported; nothing is stored then.
    public struct ImportError: Error, CustomStringConvertible {
        public let description: String
    }

    /// What an import did.
    public struct Report: Sendable {
        public var imported: Int
        /// Already stored (an earlier import, or the same text generated since).
        public var alreadyPresent: Int
        /// Empty or blank entries, never stored.
        public var blank: Int
    }

    /// The messages in `data`, trimmed, blank ones counted apart; any other shape is an error.
    public static func parse(_ data: Data, path: String) throws(ImportError) -> (messages: [String], blank: Int) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ImportError(description: "\(path): not valid JSON; expected a list of strings")
        }
        guard case .array(let items) = value else {
            throw ImportError(description: "\(path): expected a JSON list of strings, found \(kind(value))")
        }
        var messages: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw ImportError(description: "\(path): item \(index + 1) is \(kind(item)), expected a string")
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { messages.append(trimmed) }
        }
        return (messages, items.count - messages.count)
    }

    /// Reads and stores the file at `path` into `store`.
    public static func run(path: String, store: any MessageStore, profile: String, retention: Int) async throws -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError(description: "\(path): cannot be read")
        }
        let (messages, blank) = try parse(data, path: path)
        let (imported, skipped) = try await store.importMessages(messages, profile: profile, retention: retention)
        return Report(imported: imported, alreadyPresent: skipped, blank: blank)
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
