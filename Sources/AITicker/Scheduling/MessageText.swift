/// What a ticker line may contain: text on one line. Answers are cleaned before they are checked
/// and stored, and anything a plugin writes to the log is made visible rather than interpreted.
enum MessageText {
    /// Line breaks and tabs become spaces; other control and invisible formatting characters
    /// (ESC, NUL, DEL, C1 controls, bidirectional overrides) are removed; runs of spaces collapse.
    static func clean(_ text: String) -> String {
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
    static func visible(_ text: String) -> String {
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
