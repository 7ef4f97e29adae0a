/// The Indel-based similarity behind `ticker.fuzzy_threshold` (README, How it works):
/// `200·LCS/(len₁+len₂)` on case-folded, whitespace-collapsed text, from 0 (nothing shared) to 100 (identical).
enum Similarity {
    static func normalize(_ text: String) -> [Character] {
        Array(text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " "))
    }

    static func ratio(_ a: String, _ b: String) -> Double {
        ratio(normalize(a), normalize(b))
    }

    static func ratio(_ a: [Character], _ b: [Character]) -> Double {
        if a.isEmpty && b.isEmpty { return 100 }
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return 200 * Double(previous[b.count]) / Double(a.count + b.count)
    }
}
