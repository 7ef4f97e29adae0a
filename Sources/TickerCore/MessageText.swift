/// What a ticker line may contain: text on one line. Every way a message enters (a tick, `ai-ticker
/// import`, the first-start import) goes through `accept`; anything a plugin writes to the log,
/// and everything the CLI prints, is made visible rather than interpreted.
public enum MessageText {
    /// The cleaned text when it can be a message, else why not: blank once cleaned, or longer than
    /// `maxLength` characters (`ticker.max_message_length`).
    package static func accept(_ text: String, maxLength: Int) -> Result<String, Rejected> {
        let cleaned = clean(text)
        if cleaned.isEmpty { return .failure(Rejected(reason: "empty content", blank: true)) }
        if cleaned.count > maxLength {
            return .failure(Rejected(reason: "\(cleaned.count) characters, more than ticker.max_message_length (\(maxLength))", blank: false))
        }
        return .success(cleaned)
    }

    package struct Rejected: Error {
        package let reason: String
        /// Nothing was left once cleaned.
        package let blank: Bool
    }

    /// Line breaks and tabs become spaces; other control and invisible formatting characters
    /// (ESC, NUL, DEL, C1 controls, bidirectional overrides) are removed; runs of spaces collapse.
    package static func clean(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else if isInvisible(scalar) {
                continue
            } else {
                if pendingSpace { result.unicodeScalars.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Control characters written as `\x1b`-style escapes, so a log line cannot move the cursor,
    /// clear a terminal or forge a second line.
    public static func visible(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if isInvisible(scalar) || scalar.value < 0x20 {
                result += scalar.value <= 0xff ? "\\x" + hex(scalar.value, width: 2) : "\\u{" + hex(scalar.value, width: 4) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Controls and format characters, except the joiners that emoji sequences and some scripts need.
    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control: !scalar.properties.isWhitespace
        case .format: scalar.value != 0x200C && scalar.value != 0x200D
        default: false
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
