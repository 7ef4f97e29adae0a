import Foundation

/// `ai-ticker plugins new NAME`: a working plugin to start from, in Python or Swift, from the
/// templates in `Resources/scaffold/` (`{{name}}` and `{{command}}` filled in).
public enum PluginScaffold {
    public enum Language: String, CaseIterable, Sendable {
        case python, swift
    }

    /// Writes the plugin into `parent/NAME` and returns the files written. Refuses to overwrite.
    public static func create(name: String, language: Language, parent: String) throws -> [String] {
        guard name.range(of: #"^[a-z0-9][a-z0-9_-]{0,63}$"#, options: .regularExpression) != nil else {
            throw ScaffoldError("\"\(name)\" must be lowercase letters, digits, - or _")
        }
        let directory = URL(fileURLWithPath: parent).appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: directory.path) else { throw ScaffoldError("\(directory.path) already exists") }
        let files: [(String, [UInt8], Bool)] = switch language {
        case .python: [("plugin.json", PackageResources.plugin_json, false), ("plugin.py", PackageResources.plugin_py, true)]
        case .swift: [
            ("plugin.json", PackageResources.plugin_json, false),
            ("Package.swift", PackageResources.Package_swift_txt, false),
            ("Sources/\(name)/main.swift", PackageResources.main_swift_txt, false),
        ]
        }
        let command = language == .python ? #"["python3", "plugin.py"]"# : #"[".build/release/\#(name)"]"#
        var written: [String] = []
        for (path, template, executable) in files {
            let url = directory.appendingPathComponent(path)
            let text = String(decoding: template, as: UTF8.self)
                .replacingOccurrences(of: "{{command}}", with: command).replacingOccurrences(of: "{{name}}", with: name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            written.append(url.path)
        }
        return written
    }

    public struct ScaffoldError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
