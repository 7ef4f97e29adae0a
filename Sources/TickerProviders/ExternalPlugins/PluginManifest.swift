import Foundation
import TickerCore

/// `plugin.json` of an external plugin (docs/writing-a-provider.md, docs/plugin.schema.json): the plugin metadata plus the command to run.
public struct PluginManifest: Sendable, Equatable {
    public var metadata: PluginMetadata
    /// The argv to start, run from the plugin's directory.
    public var command: [String]
    public var supportedModels: [String]

    /// Fields the manifest may have, with their JSON types; anything else is an error.
    static let fields: [String: String] = [
        "name": "string", "display_name": "string", "version": "string", "author": "string", "description": "string",
        "requires": "array of strings", "category": "string", "api_version": "string", "supported_features": "array of strings",
        "homepage": "string", "documentation": "string", "license": "string", "command": "array of strings",
        "supported_models": "array of strings",
    ]
    static let required = ["name", "version", "author", "description", "api_version", "command"]

    /// Parses and validates `data` (the contents of `plugin.json` in `directory`), returning
    /// the manifest or every problem found, each naming its field.
    static func parse(_ data: Data, directory: URL, environment: [String: String]) -> (manifest: PluginManifest?, errors: [String]) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return (nil, ["plugin.json is not valid JSON"]) }
        guard case .object(let object) = value else { return (nil, ["plugin.json must be a JSON object"]) }
        var errors: [String] = []
        for name in required where object[name] == nil { errors.append("\(name): is required") }
        for (name, field) in object.sorted(by: { $0.key < $1.key }) {
            guard let expected = fields[name] else {
                errors.append("\(name): is not a known field")
                continue
            }
            let matches = expected == "string" ? field.stringValue != nil
                : { if case .array(let items) = field { items.allSatisfy { $0.stringValue != nil } } else { false } }()
            if !matches { errors.append("\(name): must be a \(expected)") }
        }
        let string = { (name: String) in object[name]?.stringValue }
        let strings = { (name: String) -> [String] in
            if case .array(let items) = object[name] ?? .null { items.compactMap(\.stringValue) } else { [] }
        }
        if let name = string("name"), name.range(of: #"^[a-z0-9][a-z0-9_-]{0,63}$"#, options: .regularExpression) == nil {
            errors.append("name: \"\(name)\" must be lowercase letters, digits, - or _ (at most 64)")
        }
        if let version = string("version"), version.range(of: Self.semver, options: .regularExpression) == nil {
            errors.append("version: \"\(version)\" is not semantic versioning (e.g. 1.0.0)")
        }
        if let api = string("api_version"), api != "v1" { errors.append("api_version: \"\(api)\" is not supported; use \"v1\"") }
        let category = string("category") ?? "custom"
        if PluginCategory(rawValue: category) == nil {
            errors.append("category: \"\(category)\" must be one of official, community, custom")
        }
        for key in ["homepage", "documentation"] {
            if let url = string(key), !(url.hasPrefix("https://") || url.hasPrefix("http://")) { errors.append("\(key): \"\(url)\" is not an http(s) URL") }
        }
        let command = strings("command")
        if object["command"] != nil, command.isEmpty || command[0].isEmpty {
            errors.append("command: must name a program to run")
        } else if let program = command.first, let problem = Self.checkProgram(program, directory: directory, environment: environment) {
            errors.append("command: \(problem)")
        }
        guard errors.isEmpty, let name = string("name") else { return (nil, errors) }
        let metadata = PluginMetadata(
            name: name, displayName: string("display_name") ?? name, version: string("version")!, author: string("author")!,
            description: string("description")!, requires: strings("requires"), category: PluginCategory(rawValue: category)!,
            apiVersion: "v1", supportedFeatures: strings("supported_features"), homepage: string("homepage"),
            documentation: string("documentation"), license: string("license")
        )
        return (PluginManifest(metadata: metadata, command: command, supportedModels: strings("supported_models")), [])
    }

    /// Semantic versioning 2.0.0.
    static let semver = #"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"#

    /// Why `program` cannot be run, or nil: a path is taken relative to the plugin directory,
    /// a bare name is looked up on `PATH`.
    static func checkProgram(_ program: String, directory: URL, environment: [String: String]) -> String? {
        let fileManager = FileManager.default
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : directory.appendingPathComponent(program).path
            guard fileManager.fileExists(atPath: path) else { return "\"\(program)\" does not exist" }
            return fileManager.isExecutableFile(atPath: path) ? nil : "\"\(program)\" is not executable"
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let found = path.split(separator: ":").contains { fileManager.isExecutableFile(atPath: "\($0)/\(program)") }
        return found ? nil : "\"\(program)\" was not found on PATH"
    }
}
