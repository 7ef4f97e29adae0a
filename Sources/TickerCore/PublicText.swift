import Foundation

/// Text bound for a public route (`/api/plugins`, `/api/providers`, `/api/health`): an absolute
/// file path in it (a plugin's file, an interpreter, the database, a key file) is cut to its last
/// component, so nobody learns the host's layout. Routes of this API (`/api/...`) and URLs stay.
public enum PublicText {
    private static let path = try! NSRegularExpression(pattern: #"(?<=^|[\s"'(=\[,])/(?:[^\s"'():;,\]/]+/)+([^\s"'():;,\]/]+)"#)

    public static func withoutPaths(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "/")) else { return text }
        let range = NSRange(text.startIndex..., in: text)
        var result = text
        for match in path.matches(in: text, range: range).reversed() {
            guard let whole = Range(match.range, in: text), let last = Range(match.range(at: 1), in: text),
                  !text[whole].hasPrefix("/api/") else { continue }
            result.replaceSubrange(whole, with: text[last])
        }
        return result
    }
}
