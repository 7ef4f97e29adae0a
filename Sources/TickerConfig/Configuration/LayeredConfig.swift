import Configuration
import TickerCore

/// One configuration layer: a swift-configuration snapshot plus the name shown as a value's source.
package struct ConfigLayer: Sendable {
    /// `runtime`, `command line`, `environment`, `.env`, `file` or `default`.
    let name: String
    /// Where a bad value is: a file path or `environment`; used in error messages.
    let origin: String
    let snapshot: any ConfigSnapshot
    /// Whether keys are looked up as environment variable names (for error messages).
    let usesEnvironmentNames: Bool
    /// Variables set through a name of the original AI-Ticker: new name → the name the user wrote.
    var aliases: [String: String] = [:]

    /// How the user wrote `key` in this layer, for error messages.
    func shown(_ key: String) -> String {
        guard usesEnvironmentNames else { return key }
        let name = ConfigSchema.environmentName(for: key)
        return aliases[name] ?? name
    }
}

/// The configuration layers (README, Configuration), highest first. Departs from reading through a `ConfigReader`
/// because `ai-ticker config` must name the layer each value came from, and a value of the
/// wrong type must be reported with its layer rather than silently replaced by a default.
package struct LayeredConfig: Sendable {
    let layers: [ConfigLayer]

    /// The value of `key` from the highest layer that has it, converted to `type`.
    func lookup(_ key: String, as type: ConfigType) throws(ConfigurationIssue) -> (content: ConfigContent, layer: ConfigLayer)? {
        let absolute = AbsoluteConfigKey(key.split(separator: ".").map(String.init))
        for layer in layers {
            let found: ConfigValue?
            do {
                found = try layer.snapshot.value(forKey: absolute, type: type).value
            } catch {
                throw ConfigurationIssue(source: layer.origin, key: layer.shown(key), reason: "expected \(Self.describe(type))")
            }
            if let found { return (found.content, layer) }
        }
        return nil
    }

    package static func describe(_ type: ConfigType) -> String {
        switch type {
        case .int: "an integer"
        case .double: "a number"
        case .bool: "true or false"
        case .string: "a string"
        case .stringArray: "a list of strings"
        default: type.rawValue
        }
    }

    /// Converts a JSON value (a runtime override) to the content type a key expects.
    package static func content(_ value: JSONValue, as type: ConfigType) -> ConfigContent? {
        switch (type, value) {
        case (.string, .string(let string)): .string(string)
        case (.bool, .bool(let bool)): .bool(bool)
        case (.int, .number(let number)): Int(exactly: number).map(ConfigContent.int)
        case (.double, .number(let number)): .double(number)
        case (.stringArray, .array(let items)):
            items.allSatisfy({ $0.stringValue != nil }) ? .stringArray(items.compactMap(\.stringValue)) : nil
        default: nil
        }
    }

    /// The JSON form of a value, for `GET /api/config`.
    static func json(_ content: ConfigContent) -> JSONValue {
        switch content {
        case .string(let value): .string(value)
        case .int(let value): .number(Double(value))
        case .double(let value): .number(value)
        case .bool(let value): .bool(value)
        case .stringArray(let value): .array(value.map(JSONValue.string))
        case .intArray(let value): .array(value.map { .number(Double($0)) })
        default: .string(String(describing: content))
        }
    }
}
