import Configuration
import Foundation
import TickerCore

/// `plugin_config.json` as read once per load: the raw JSON (for the plugin ids and free-form
/// `extra_params`/`extra_headers`) and the swift-configuration snapshot of its values.
package struct ConfigFile: Sendable {
    var root: [String: JSONValue] = [:]
    var snapshot: (any ConfigSnapshot)?
    var issues: [ConfigurationIssue] = []
    /// Keys that are not read (`ConfigFileCheck`).
    var warnings: [ConfigurationIssue] = []

    /// A missing file is fine unless it was asked for by name; a malformed one is an issue.
    package static func read(path: String, required: Bool) -> ConfigFile {
        var file = ConfigFile()
        guard let data = FileManager.default.contents(atPath: path) else {
            if required || FileManager.default.fileExists(atPath: path) {
                file.issues.append(.init(source: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "file not found"))
            }
            return file
        }
        do {
            guard case .object(let root) = try JSONDecoder().decode(JSONValue.self, from: data) else {
                file.issues.append(.init(source: path, reason: "the top level must be a JSON object"))
                return file
            }
            file.root = root
        } catch let error as DecodingError {
            file.issues.append(.init(source: path, reason: "invalid JSON: \(PromptSet.describe(error))"))
            return file
        } catch {
            file.issues.append(.init(source: path, reason: "invalid JSON"))
            return file
        }
        let (warnings, known) = ConfigFileCheck.check(file.root, path: path)
        file.warnings = warnings
        do {
            let data = try JSONEncoder().encode(JSONValue.object(known))
            file.snapshot = try JSONSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
        } catch {
            file.issues.append(.init(source: path, reason: "unsupported value: \(error)"))
        }
        return file
    }

    /// Instance ids in file order is not kept by JSON objects, so sort them for stable output.
    var pluginIDs: [String]? {
        guard let plugins = root["plugins"] else { return nil }
        return plugins.objectValue.map { $0.keys.sorted() }
    }

    /// The channels the file names, sorted (`default` among them only when configured).
    var channelNames: [String] {
        root["channels"]?.objectValue.map { $0.keys.sorted() } ?? []
    }

    /// A free-form object under `plugins.<id>.config.<name>`, if present.
    func object(plugin id: String, field: String) -> [String: JSONValue]? {
        root["plugins"]?.objectValue?[id]?.objectValue?["config"]?.objectValue?[field]?.objectValue
    }
}
