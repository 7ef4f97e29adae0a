import AITicker

/// Plain-text tables for the command line.
enum Table {
    /// Cells with their control characters (a line break included) escaped, so a row stays one line.
    static func render(header: [String], rows: [[String]]) -> String {
        let all = ([header] + rows).map { $0.map(MessageText.visible) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static func attempts(_ attempts: [Attempt]) -> String {
        render(header: ["PROVIDER", "OUTCOME", "CLASS", "MS", "DETAIL"],
               rows: attempts.map { [$0.provider, $0.outcome.rawValue, $0.errorClass?.rawValue ?? "", String(Int($0.durationMs)), $0.detail ?? ""] })
    }

    /// One line for an attempt or a configuration issue sent by the service.
    static func summary(_ value: JSONValue) -> String {
        guard let fields = value.objectValue else { return text(value) }
        let order = ["provider", "outcome", "error_class", "source", "key", "reason", "detail"]
        return order.compactMap { fields[$0].map(text) }.joined(separator: "  ")
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number(let number): Int(exactly: number).map(String.init) ?? String(number)
        case .bool(let flag): String(flag)
        case .null: "null"
        case .array(let items): items.map(text).joined(separator: ",")
        case .object: "{…}"
        }
    }
}
