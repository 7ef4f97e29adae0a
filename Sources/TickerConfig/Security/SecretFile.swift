import Foundation

/// Reads a file that holds one secret (an API key, the admin token): one line, surrounding
/// whitespace dropped. Errors name the file and what is wrong, never any of its content.
package enum SecretFile {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package static func read(_ path: String) throws(Failure) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "\(path) is not readable")
        }
        guard data.count <= 16 * 1024 else {
            throw Failure(description: "\(path) holds \(data.count) bytes; expected one line with the secret")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let lines = text.split(whereSeparator: \.isNewline).count
        if text.isEmpty { throw Failure(description: "\(path) is empty") }
        if lines > 1 { throw Failure(description: "\(path) holds \(lines) lines; expected one line with the secret and nothing else") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw Failure(description: "\(path) holds control characters; expected one line with the secret")
        }
        return text
    }
}
