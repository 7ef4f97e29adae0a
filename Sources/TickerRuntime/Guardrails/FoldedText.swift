import Foundation

/// A text read as a word list reads it: compatibility forms unified (NFKC: full-width letters,
/// ligatures), case and accents dropped, and the characters people put in place of letters read
/// as those letters (`0`→o, `1`/`!`/`|`/`l`→i, `3`→e, `4`/`@`→a, `5`/`$`→s, `7`/`+`→t, `8`→b,
/// `9`→g). Split into words, each knowing the part of the original it came from, so a match can be
/// replaced in the text as written. Both the text and the listed words are folded the same way,
/// so `sh1t`, `SH!T` and `shít` all read as the listed `shit`.
struct FoldedText {
    struct Word {
        var text: String
        var range: Range<String.Index>
    }

    let words: [Word]

    init(_ original: String) {
        var words: [Word] = []
        var current = ""
        var start: String.Index?
        var end = original.startIndex
        var pendingSymbols = ""  // substitutes read as letters only next to a letter or digit
        var symbolStart: String.Index?
        func finish() {
            if let start, !current.isEmpty { words.append(Word(text: current, range: start..<end)) }
            current = ""
            start = nil
            pendingSymbols = ""
            symbolStart = nil
        }
        var index = original.startIndex
        while index < original.endIndex {
            let next = original.index(after: index)
            for folded in Self.fold(original[index]) {
                if folded.isLetter || folded.isNumber {
                    if start == nil { start = symbolStart ?? index }
                    current += pendingSymbols + String(Self.letter(folded))
                    pendingSymbols = ""
                    end = next
                } else if let substitute = Self.symbols[folded] {
                    if current.isEmpty, symbolStart == nil { symbolStart = index }
                    pendingSymbols.append(substitute)
                } else {
                    finish()
                }
            }
            index = next
        }
        finish()
        self.words = words
    }

    /// The folded form of one written word (or phrase, word by word) of a list.
    static func words(of phrase: String) -> [String] {
        FoldedText(phrase).words.map(\.text)
    }

    private static func fold(_ character: Character) -> String {
        String(character).precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
    }

    private static let digits: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "l": "i"]
    private static let symbols: [Character: Character] = ["!": "i", "|": "i", "@": "a", "$": "s", "+": "t", "€": "e"]

    private static func letter(_ character: Character) -> Character { digits[character] ?? character }
}

extension FoldedText.Word {
    /// The word with runs of one letter cut to one (`shiiit` → `shit`), for a word written long.
    var squeezed: String { Self.squeeze(text) }

    static func squeeze(_ text: String) -> String {
        var result = ""
        for character in text where character != result.last { result.append(character) }
        return result
    }

    /// Whether a letter is repeated three times or more: written long on purpose.
    var isStretched: Bool {
        var run = 1
        var previous: Character?
        for character in text {
            run = character == previous ? run + 1 : 1
            if run >= 3 { return true }
            previous = character
        }
        return false
    }
}
