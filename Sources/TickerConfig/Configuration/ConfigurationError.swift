import Logging

/// One problem with the configuration: where it is, which key, and what is wrong.
public struct ConfigurationIssue: Error, Sendable, Equatable, CustomStringConvertible, Codable {
    /// The file, variable set or layer the bad value came from.
    public var source: String
    /// The dotted key path, or nil when the whole source is bad (e.g. invalid JSON).
    public var key: String?
    public var reason: String

    public init(source: String, key: String? = nil, reason: String) {
        self.source = source
        self.key = key
        self.reason = reason
    }

    public var description: String {
        [source, key, reason].compactMap { $0 }.joined(separator: ": ")
    }
}

/// Every problem found while loading configuration, reported together.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigurationIssue]

    public init(_ issues: [ConfigurationIssue]) {
        self.issues = issues
    }

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}

extension ConfigurationIssue {
    /// Logs what the configuration does not use: each unknown key as a warning, and the original
    /// AI-Ticker's variables that do not apply in one notice.
    package static func log(_ warnings: [ConfigurationIssue], logger: Logger) {
        let notApplicable = warnings.filter { $0.reason.hasPrefix("not applicable") }
        for warning in warnings where !notApplicable.contains(warning) {
            logger.warning("configuration: \(warning)")
        }
        if !notApplicable.isEmpty {
            logger.notice("variables of AI-Ticker that do not apply here: \(notApplicable.map { "\($0.key ?? "?") (\($0.reason.dropFirst("not applicable: ".count)))" }.joined(separator: "; "))")
        }
    }
}
