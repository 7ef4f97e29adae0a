import Foundation
import TickerConfig
import TickerCore

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
        /// Items that are no message, each with its position in the list (from 1) and why:
        /// blank once cleaned, or too long. None is stored.
        public var rejected: [(position: Int, reason: String)]
        /// How many of the rejected items were blank.
        public var blank: Int { rejected.count { $0.reason == "empty content" } }
    }

    /// The messages in `data`, cleaned and bounded as a tick's answer is (`MessageText.accept`),
    /// and the items rejected; any shape but a list of strings is an error.
    public static func parse(_ data: Data, path: String, maxLength: Int) throws(ImportError) -> (messages: [String], rejected: [(position: Int, reason: String)]) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw ImportError(description: "\(path): not valid JSON; expected a list of strings")
        }
        guard case .array(let items) = value else {
            throw ImportError(description: "\(path): expected a JSON list of strings, found \(kind(value))")
        }
        var messages: [String] = []
        var rejected: [(position: Int, reason: String)] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else {
                throw ImportError(description: "\(path): item \(index + 1) is \(kind(item)), expected a string")
            }
            switch MessageText.accept(text, maxLength: maxLength) {
            case .success(let message): messages.append(message)
            case .failure(let why): rejected.append((index + 1, why.reason))
            }
        }
        return (messages, rejected)
    }

    /// Reads and stores the file at `path` into `store`.
    public static func run(path: String, store: any MessageStore, ticker: TickerConfiguration) async throws -> Report {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImportError(description: "\(path): cannot be read")
        }
        let (messages, rejected) = try parse(data, path: path, maxLength: ticker.maxMessageLength)
        let (imported, skipped) = try await store.importMessages(messages, profile: ticker.profile, retention: ticker.retention)
        return Report(imported: imported, alreadyPresent: skipped, rejected: rejected)
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
