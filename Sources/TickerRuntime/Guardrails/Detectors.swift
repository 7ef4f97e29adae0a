import Foundation

/// The built-in detectors: what a public screen must not show, found by shape and, where a
/// number carries its own check (cards, IBANs), by that check too, so an ordinary number is left alone.
enum Detectors {
    /// API keys of the vendors ai-ticker talks to and of the services keys most often leak from,
    /// tokens, and private-key blocks.
    static let secrets = patterns([
        #"\bsk-(?:ant-|proj-|or-v1-)?[A-Za-z0-9_-]{20,}"#,  // OpenAI, Anthropic, OpenRouter
        #"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#,  // AWS access key ids
        #"\bgh[pousr]_[A-Za-z0-9]{36,}\b"#, #"\bgithub_pat_[A-Za-z0-9_]{22,}\b"#,
        #"\bxox[abposr]-[A-Za-z0-9-]{10,}"#,  // Slack
        #"\bAIza[0-9A-Za-z_-]{35}"#,  // Google
        #"\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b"#,  // Stripe
        #"\bgsk_[A-Za-z0-9]{20,}\b"#, #"\bhf_[A-Za-z0-9]{30,}\b"#,  // Groq, Hugging Face
        #"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"#,  // JSON web tokens
        #"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----)?"#,
    ])

    static let email = patterns([#"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"#])
    /// Written as phone numbers are: with a country code, an area code in brackets, or in groups
    /// of 3-3/4-4 or a leading 0 (`030 1234567`); a year or a plain count is not one.
    static let phone = patterns([
        #"(?<![\w+])\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}\b"#,
        #"(?<!\w)\(\d{2,4}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b"#,
        #"\b\d{3}[-.]\d{3,4}[-.]\d{4}\b"#,
        #"\b0\d{2,4}[ /-]\d{4,8}\b"#,
    ])
    static let cardCandidates = patterns([#"\b\d(?:[ -]?\d){12,18}\b"#])
    static let ibanCandidates = patterns([#"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"#])
    /// Addresses with a scheme, `www.`, or a host under a common top-level domain.
    static let links = patterns([
        #"\b(?:https?|ftp)://[^\s<>"]+"#,
        #"\bwww\.[^\s<>"]+"#,
        #"(?i)\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|io|ai|dev|app|co|info|biz|xyz|me|ly|gg|tv|shop|site|online|link|click|de|uk|fr|ru|cn|nl|eu)\b(?:/[^\s<>"]*)?"#,
    ])

    /// Personal data: e-mail addresses, phone numbers, card numbers that pass the Luhn check,
    /// IBANs that pass their mod-97 check. IBAN-shaped text, valid or not, holds no card or
    /// phone number.
    static func personalData(in text: String) -> [Range<String.Index>] {
        let ibanShaped = matches(ibanCandidates, in: text)
        let numbers = (matches(phone, in: text) + matches(cardCandidates, in: text).filter { luhn(text[$0].filter(\.isNumber)) })
            .filter { number in !ibanShaped.contains { $0.overlaps(number) } }
        return matches(email, in: text) + numbers + ibanShaped.filter { iban(text[$0].filter { !$0.isWhitespace }) }
    }

    static func luhn(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        guard (13...19).contains(values.count) else { return false }
        let sum = values.reversed().enumerated().reduce(0) { total, item in
            let doubled = item.offset % 2 == 1 ? item.element * 2 : item.element
            return total + (doubled > 9 ? doubled - 9 : doubled)
        }
        return sum % 10 == 0
    }

    static func iban(_ text: String) -> Bool {
        guard (15...34).contains(text.count) else { return false }
        let rearranged = text.dropFirst(4) + text.prefix(4)
        var remainder = 0
        for character in rearranged {
            guard let value = character.isNumber ? character.wholeNumberValue : character.uppercased().unicodeScalars.first.map({ Int($0.value) - 55 }),
                  (0...35).contains(value) else { return false }
            for digit in String(value) { remainder = (remainder * 10 + digit.wholeNumberValue!) % 97 }
        }
        return remainder == 1
    }

    static func matches(_ expressions: [NSRegularExpression], in text: String) -> [Range<String.Index>] {
        let whole = NSRange(text.startIndex..., in: text)
        return expressions.flatMap { expression in
            expression.matches(in: text, range: whole).compactMap { Range($0.range, in: text) }
        }
    }

    private static func patterns(_ sources: [String]) -> [NSRegularExpression] {
        // The patterns are this file's own; one that did not compile would fail every test.
        sources.map { try! NSRegularExpression(pattern: $0) }
    }
}
