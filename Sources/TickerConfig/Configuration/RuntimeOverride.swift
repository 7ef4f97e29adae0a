import TickerCore

extension ConfigSchema {
    /// The one rule for a runtime override, applied where one is set (`PATCH /api/config`,
    /// `ai-ticker config set`) and to each stored one when the configuration loads: why `value`
    /// may not be the override of `key`, or nil when it may.
    package static func overrideProblem(key: String, value: JSONValue) -> String? {
        guard let spec = spec(for: key) else { return "unknown key" }
        if spec.secret { return "secrets are not stored at runtime; use the environment, .env or a credential file" }
        if !spec.runtime { return "not settable at runtime: \(runtimeRule)" }
        if LayeredConfig.content(value, as: spec.type) == nil { return "expected \(LayeredConfig.describe(spec.type))" }
        if holdsControlCharacters(value) { return "control characters (a line break, NUL, ESC, ...) are not allowed" }
        return nil
    }

    /// Whether a string in `value` holds a control character: a model name or a provider's
    /// display name goes into requests, logs and the page, where one could forge a line.
    private static func holdsControlCharacters(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.unicodeScalars.contains { $0.properties.generalCategory == .control }
        case .array(let items): items.contains(where: holdsControlCharacters)
        case .object(let fields): fields.values.contains(where: holdsControlCharacters)
        default: false
        }
    }
}
