/// A list of words and phrases, matched whole-word in folded text (`FoldedText`): `ass` finds
/// `@ss` and `A.S.S` but not `class` or `assistant`. A word written long (`shiiit`) or letter by
/// letter with something between (`s h i t`, `s.h.i.t`) is found too.
struct WordList: Sendable {
    /// Single words, folded, and their squeezed forms (for words written long).
    private let words: Set<String>
    private let squeezed: Set<String>
    /// Phrases of several words, by their first word.
    private let phrases: [String: [[String]]]

    init(_ entries: [String]) {
        var words = Set<String>(), phrases: [String: [[String]]] = [:]
        for entry in entries {
            let folded = FoldedText.words(of: entry)
            guard let first = folded.first else { continue }
            if folded.count == 1 { words.insert(first) } else { phrases[first, default: []].append(folded) }
        }
        self.words = words
        self.squeezed = Set(words.map(FoldedText.Word.squeeze))
        self.phrases = phrases
    }

    var isEmpty: Bool { words.isEmpty && phrases.isEmpty }

    /// Every listed word or phrase in `text`, as the ranges of the text that hold them.
    func matches(in text: FoldedText) -> [Range<String.Index>] {
        let candidates = text.words + Self.spelledOut(text.words)
        var found: [Range<String.Index>] = []
        for (position, word) in candidates.enumerated() {
            if words.contains(word.text) || (word.isStretched && squeezed.contains(word.squeezed)) {
                found.append(word.range)
            }
            guard position < text.words.count, let starting = phrases[word.text] else { continue }
            for phrase in starting where position + phrase.count <= text.words.count {
                if zip(phrase, text.words[position...]).allSatisfy({ $0 == $1.text }) {
                    found.append(word.range.lowerBound..<text.words[position + phrase.count - 1].range.upperBound)
                }
            }
        }
        return found
    }

    /// Runs of three or more one-letter words read as one word (`s h i t`, `s.h.i.t`).
    private static func spelledOut(_ words: [FoldedText.Word]) -> [FoldedText.Word] {
        var joined: [FoldedText.Word] = []
        var run: [FoldedText.Word] = []
        func close() {
            if run.count >= 3 {
                joined.append(FoldedText.Word(text: run.map(\.text).joined(), range: run.first!.range.lowerBound..<run.last!.range.upperBound))
            }
            run = []
        }
        for word in words {
            if word.text.count == 1 { run.append(word) } else { close() }
        }
        close()
        return joined
    }
}
