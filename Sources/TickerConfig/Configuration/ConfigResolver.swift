import Configuration
import Foundation
import Logging

/// Reads typed values through the layers, checks ranges, and records each value's source.
package struct ConfigResolver {
    let layers: LayeredConfig
    /// Process environment over `.env`: for `${VAR}`, conventional key variables and `<PLUGIN>_BASE_URL`.
    let variables: [String: String]
    var issues: [ConfigurationIssue]
    var effective: [EffectiveSetting] = []
    /// Problems that do not stop the service (a token file others can read).
    var warnings: [ConfigurationIssue] = []
    /// Resolving for the service, which holds its token files to its own user and mode 0600;
    /// the CLI (often another user, under sudo) only reads them.
    var forService = false

    package init(layers: LayeredConfig, variables: [String: String], issues: [ConfigurationIssue]) {
        self.layers = layers
        self.variables = variables
        self.issues = issues
    }

    /// The value of `key` (described by `spec`), or `fallback` (recorded with `fallbackSource`).
    mutating func read(_ key: String, _ spec: ConfigKeySpec, fallback: ConfigContent? = nil, fallbackSource: String = "default") -> ConfigContent? {
        do {
            if case (var content, let layer)? = try layers.lookup(key, as: spec.type) {
                if spec.choices != nil, case .string(let text) = content {
                    content = .string(spec.synonyms[text.lowercased()] ?? text.lowercased())
                }
                if let problem = Self.check(content, against: spec) {
                    issues.append(.init(source: layer.origin, key: layer.shown(key), reason: problem))
                    return nil
                }
                record(key, content, secret: spec.secret, source: layer.name)
                return content
            }
        } catch {
            issues.append(error)
            return nil
        }
        guard let value = fallback ?? spec.defaultValue else { return nil }
        record(key, value, secret: spec.secret, source: fallbackSource)
        return value
    }

    mutating func record(_ key: String, _ content: ConfigContent, secret: Bool, source: String) {
        effective.append(EffectiveSetting(key: key, value: secret ? .string("***") : LayeredConfig.json(content), source: source))
    }

    /// A range or choice violation, phrased for the user.
    static func check(_ content: ConfigContent, against spec: ConfigKeySpec) -> String? {
        switch content {
        case .int(let value) where spec.range.map({ !$0.contains(Double(value)) }) ?? false:
            return "must be between \(Int(spec.range!.lowerBound)) and \(Int(spec.range!.upperBound)), got \(value)"
        case .double(let value) where spec.range.map({ !$0.contains(value) }) ?? false:
            return "must be between \(spec.range!.lowerBound) and \(spec.range!.upperBound), got \(value)"
        case .string(let value) where spec.choices.map({ !$0.contains(value) }) ?? false:
            return "must be one of \(spec.choices!.joined(separator: ", ")), got \"\(value)\""
        case .string(let value) where spec.format?(value) != nil:
            return spec.format?(value)
        default:
            return nil
        }
    }

    /// A global key's value: what a layer sets, else its default (also when a layer's value was
    /// wrong, which is then an issue).
    private mutating func content<Value>(_ key: ConfigKey<Value>) -> ConfigContent? {
        read(key.name, key.spec) ?? key.spec.defaultValue
    }

    mutating func value(_ key: ConfigKey<Int>) -> Int {
        guard case .int(let value)? = content(key) else { preconditionFailure("\(key.name) is not an integer key with a default") }
        return value
    }

    mutating func value(_ key: ConfigKey<String>) -> String {
        guard case .string(let value)? = content(key) else { preconditionFailure("\(key.name) is not a string key with a default") }
        return value
    }

    mutating func value(_ key: ConfigKey<String?>) -> String? {
        if case .string(let value)? = content(key) { return value }
        return nil
    }

    mutating func value(_ key: ConfigKey<[String]>) -> [String] {
        guard case .stringArray(let values)? = content(key) else { preconditionFailure("\(key.name) is not a list key with a default") }
        return values
    }

    mutating func value(_ key: ConfigKey<Bool>) -> Bool {
        guard case .bool(let value)? = content(key) else { preconditionFailure("\(key.name) is not a Boolean key with a default") }
        return value
    }

    /// Replaces each `${VAR}` from the environment; names unset variables in `missing`.
    func interpolate(_ text: String, missing: inout [String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${"), let end = rest[start.upperBound...].firstIndex(of: "}") {
            result += rest[..<start.lowerBound]
            let name = String(rest[start.upperBound..<end])
            if let value = variables[name], !value.isEmpty { result += value } else { missing.append(name) }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}

extension ConfigContent {
    /// A number key's value (`.double`; an integer in the file is read as one).
    var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }
}
