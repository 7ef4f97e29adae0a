import TickerCore

/// Finds the keys of `plugin_config.json` that ai-ticker does not read, so no setting is ignored
/// without a word, and keeps only the keys it does read for swift-configuration (free-form
/// `extra_params`/`extra_headers` are read from the raw JSON, whatever they hold).
package enum ConfigFileCheck {
    /// Top-level keys that describe the file rather than configure anything.
    static let descriptive: Set<String> = ["version", "description", "metadata"]

    /// Keys of the original AI-Ticker's files that have no meaning here, and why.
    static let notUsed: [String: String] = [
        "global_settings.max_plugins": "ai-ticker offers every plugin it finds",
        "config.max_retries": "a failed attempt moves on to the next provider; global_settings.circuit_failure_threshold decides when to stop asking one",
        "discovery": "use global_settings.custom_plugin_paths and global_settings.plugin_discovery",
        "cache": "messages are kept in the database; ticker.retention bounds them",
    ]

    static let freeForm: Set<String> = ["extra_params", "extra_headers", "options"]

    /// Leaf names by section (`ticker` → `interval_seconds`, …), from the schema.
    static let sections: [String: Set<String>] = Dictionary(grouping: ConfigSchema.global.map { $0.key.split(separator: ".", maxSplits: 1) }) {
        String($0[0])
    }.mapValues { Set($0.map { String($0[1]) }) }

    static let instanceFields: Set<String> = Set(ConfigSchema.instance.map(\.key).filter { !$0.hasPrefix("config.") } + ["config"])
    static let configFields: Set<String> = Set(ConfigSchema.instance.map(\.key).filter { $0.hasPrefix("config.") }.map { String($0.dropFirst(7)) })
        .union(freeForm)

    /// Warnings for every key that is not read, and the file with only the keys that are.
    static func check(_ root: [String: JSONValue], path: String) -> (warnings: [ConfigurationIssue], known: [String: JSONValue]) {
        var warnings: [ConfigurationIssue] = []
        var known: [String: JSONValue] = [:]
        func warn(_ key: String, _ name: String, among candidates: Set<String>, notUsedKey: String?) {
            if let reason = notUsed[notUsedKey ?? key] {
                warnings.append(.init(source: path, key: key, reason: "not used by ai-ticker: \(reason)"))
            } else {
                let hint = suggestion(for: name, among: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
                warnings.append(.init(source: path, key: key, reason: "unknown key, ignored\(hint)"))
            }
        }
        for (section, value) in root.sorted(by: { $0.key < $1.key }) where !descriptive.contains(section) {
            if section == "plugins", case .object(let entries) = value {
                known[section] = .object(entries.mapValues { entry in instance(entry) })
                for (id, entry) in entries.sorted(by: { $0.key < $1.key }) {
                    for (field, item) in (entry.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                        if !instanceFields.contains(field) { warn("plugins.\(id).\(field)", field, among: instanceFields, notUsedKey: nil) }
                        guard field == "config", let config = item.objectValue else { continue }
                        for name in config.keys.sorted() where !configFields.contains(name) {
                            warn("plugins.\(id).config.\(name)", name, among: configFields, notUsedKey: "config.\(name)")
                        }
                        if config["model"] != nil, config["default_model"] != nil {
                            warnings.append(.init(source: path, key: "plugins.\(id).config.default_model", reason: "ignored: model is set too"))
                        }
                    }
                }
            } else if section == "channels", case .object(let channels) = value {
                var kept: [String: JSONValue] = [:]
                for (name, channel) in channels.sorted(by: { $0.key < $1.key }) {
                    kept[name] = channel.objectValue.map { .object(Self.kept(in: $0, paths: channelPaths, at: "channels.\(name)", warn: warn)) } ?? channel
                }
                known[section] = .object(kept)
            } else if section == "guardrails", case .object(var fields) = value {
                // The rules are read from the file as written; only their switches are layered
                // (`guardrails.rules.<name>.enabled`), so the file's count as one layer.
                let rules = fields.removeValue(forKey: "rules")
                var kept = fields.filter { sections[section]?.contains($0.key) ?? false }
                for name in fields.keys.sorted() where kept[name] == nil { warn("\(section).\(name)", name, among: ["review", "rules"], notUsedKey: nil) }
                if case .array(let entries)? = rules {
                    kept["rules"] = .object(Dictionary(entries.compactMap { entry -> (String, JSONValue)? in
                        guard let fields = entry.objectValue, let name = fields["name"]?.stringValue, let enabled = fields["enabled"] else { return nil }
                        return (name, .object(["enabled": enabled]))
                    }, uniquingKeysWith: { first, _ in first }))
                }
                known[section] = .object(kept)
            } else if let leaves = sections[section], case .object(let fields) = value {
                known[section] = .object(fields.filter { leaves.contains($0.key) })
                for name in fields.keys.sorted() where !leaves.contains(name) { warn("\(section).\(name)", name, among: leaves, notUsedKey: nil) }
            } else if sections[section] != nil || section == "plugins" || section == "channels" {
                known[section] = value  // the wrong type: reported when it is read
            } else {
                warn(section, section, among: Set(sections.keys).union(["plugins", "channels"]), notUsedKey: nil)
            }
        }
        return (warnings, known)
    }

    static let channelPaths: Set<String> = Set(ConfigSchema.channel.map(\.key))

    /// The fields of `object` (at `path`) that lead to one of `paths` (dotted, relative to it);
    /// every other field is warned about.
    private static func kept(in object: [String: JSONValue], paths: Set<String>, at path: String,
                              warn: (String, String, Set<String>, String?) -> Void) -> [String: JSONValue] {
        var kept: [String: JSONValue] = [:]
        let names = Set(paths.map { String($0.prefix { $0 != "." }) })
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            guard names.contains(name) else {
                warn("\(path).\(name)", name, names, nil)
                continue
            }
            let inner = Set(paths.filter { $0.hasPrefix(name + ".") }.map { String($0.dropFirst(name.count + 1)) })
            if !inner.isEmpty, case .object(let fields) = value {
                kept[name] = .object(Self.kept(in: fields, paths: inner, at: "\(path).\(name)", warn: warn))
            } else {
                kept[name] = value
            }
        }
        return kept
    }

    /// One `plugins.<id>` entry with only the keys the schema reads.
    private static func instance(_ entry: JSONValue) -> JSONValue {
        guard case .object(var fields) = entry else { return entry }
        fields = fields.filter { instanceFields.contains($0.key) }
        if case .object(let config) = fields["config"] ?? .null {
            fields["config"] = .object(config.filter { configFields.contains($0.key) && !freeForm.contains($0.key) })
        }
        return .object(fields)
    }

    /// The closest known name, if it is close enough to be a typo.
    package static func suggestion(for name: String, among candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, distance(name.lowercased(), $0)) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        guard let (best, score) = scored, score <= max(2, name.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
