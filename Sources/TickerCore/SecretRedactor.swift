import Foundation

/// Hides configured secrets in text bound for a response, the log or the database, and spots
/// them in a provider's answer. It covers what vendors, libraries and models make of a key: the
/// key itself in any letter case, a long enough prefix of it (error messages often quote the
/// start), its base64 and URL-encoded forms, the key reversed, and any of these broken up by
/// spaces, line breaks or grouping punctuation (`sk-l ive- abcd`, one character at a time).
public struct SecretRedactor: Sendable {
    /// Each secret's forms, lowercased, as bytes for a quick scan.
    private let forms: [[UInt8]]

    private let secrets: [String]

    /// Secrets shorter than four characters are ignored: they would hide ordinary words.
    public init(secrets: [String]) {
        self.secrets = secrets
        var forms: Set<[UInt8]> = []
        for secret in Set(secrets) where secret.count >= 4 {
            let bytes = Data(secret.utf8)
            let base64 = bytes.base64EncodedString()
            let variants = [
                secret, String(secret.reversed()), base64, base64.replacingOccurrences(of: "=", with: ""),
                base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""),
                secret.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? secret,
                secret.addingPercentEncoding(withAllowedCharacters: Self.alphanumerics) ?? secret,
            ]
            for variant in variants { forms.insert(Array(variant.lowercased().utf8)) }
        }
        self.forms = Array(forms)
    }

    public var isEmpty: Bool { forms.isEmpty }

    /// This redactor with one more secret.
    public func adding(_ secret: String) -> SecretRedactor { SecretRedactor(secrets: secrets + [secret]) }

    /// What URL encoding leaves as it is (RFC 3986's unreserved characters), and what the
    /// strictest encoders leave.
    private static let alphanumerics = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    private static let unreserved = alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    /// A prefix this long (or the whole form, if shorter) counts as the secret.
    static let prefixLength = 12

    /// The text with every occurrence replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !forms.isEmpty else { return text }
        let bytes = Array(text.utf8)
        let lower = Array(text.lowercased().utf8)
        guard lower.count == bytes.count else { return redactSlow(text) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let length = match(lower, at: index)
            if length > 0 {
                output.append(contentsOf: Array("***".utf8))
                index += length
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether the text holds any secret in any of its forms.
    public func appears(in text: String) -> Bool {
        guard !forms.isEmpty else { return false }
        let lower = Array(text.lowercased().utf8)
        return lower.indices.contains { match(lower, at: $0) > 0 }
    }

    /// What a quoted key may be broken up with: whitespace and the punctuation used to group it.
    private static let separators = Set(" \t\r\n-_.,:;|/".utf8)
    /// Separators allowed in a row between two characters of a key.
    private static let maxSeparatorRun = 3

    /// The length of text taken by the longest form (or long enough prefix of one) starting at
    /// `index`, separators between its characters included, else 0.
    private func match(_ text: [UInt8], at index: Int) -> Int {
        var best = 0
        for form in forms where form[0] == text[index] {
            var (matched, position, end, run) = (0, index, index, 0)
            while matched < form.count, position < text.count {
                if text[position] == form[matched] {
                    (matched, position, end, run) = (matched + 1, position + 1, position + 1, 0)
                } else if run < Self.maxSeparatorRun, Self.separators.contains(text[position]) {
                    (position, run) = (position + 1, run + 1)
                } else {
                    break
                }
            }
            if matched >= min(form.count, Self.prefixLength), end - index > best { best = end - index }
        }
        return best
    }

    /// For text whose lowercase form has another length (a few Unicode letters): character by character.
    private func redactSlow(_ text: String) -> String {
        var result = text
        for form in forms {
            result = result.replacingOccurrences(of: String(decoding: form, as: UTF8.self), with: "***", options: .caseInsensitive)
        }
        return result
    }
}
