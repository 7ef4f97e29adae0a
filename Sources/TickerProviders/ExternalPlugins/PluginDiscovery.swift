import Foundation
import TickerCore

/// One plugin as `/api/plugins` lists it: metadata, where it came from, and whether it loaded.
public struct PluginListing: Sendable, Equatable {
    public var metadata: PluginMetadata?
    /// The plugin directory's name when the manifest could not be read.
    public var name: String
    /// `builtin` or `external`.
    public var source: String
    public var path: String?
    /// `loaded`, `invalid` (the plugin itself is wrong), `unavailable` (it cannot load here,
    /// e.g. a Python module it imports is not installed) or `pending` (a Python plugin whose
    /// listing runs in the background).
    public var status: String
    public var errors: [String]
    /// The interpreter that runs a guide-style Python plugin.
    public var interpreter: String?
    /// What the Python environment offers an `llm` entry (model ids) or an `llm-backend` entry
    /// (registered backends); nil for other plugins.
    public var models: [String]?
}

/// Finds external plugins in the configured paths: subdirectories with a `plugin.json` that
/// names a `command`, and plugins written for the original AI-Ticker (a `.py` file defining a
/// `BaseAIProvider` subclass, or a package directory with `__init__.py`).
enum PluginDiscovery {
    /// Where to look and how to run what is found.
    struct Settings {
        var paths: [String]
        var environment: [String: String]
        var timeout: Double
        /// `global_settings.python`.
        var python: String
        var descriptions: PythonDescriptions
        /// `plugins.<name>.python`, by plugin name.
        var pythonByPlugin: [String: String] = [:]
        /// With `global_settings.plugin_discovery` off: the only plugins to load, those entries name.
        var only: Set<String>?
    }

    private struct Found {
        var name: String?
        var plugin: (any AIProviderPlugin)?
        var listing: PluginListing
        var path: String
    }

    /// The usable plugins and a listing of every plugin found. Invalid ones, and every plugin
    /// whose name is taken twice, are listed with their errors and not offered.
    static func discover(_ settings: Settings, builtin: PluginRegistry) -> (plugins: [any AIProviderPlugin], listings: [PluginListing]) {
        var found: [Found] = []
        let fileManager = FileManager.default
        for root in settings.paths {
            let entries = (try? fileManager.contentsOfDirectory(at: URL(fileURLWithPath: root), includingPropertiesForKeys: nil)) ?? []
            for entry in entries.sorted(by: { $0.path < $1.path }) where !entry.lastPathComponent.hasPrefix("_") && !entry.lastPathComponent.hasPrefix(".") {
                var isDirectory: ObjCBool = false
                _ = fileManager.fileExists(atPath: entry.path, isDirectory: &isDirectory)
                let manifest = fileManager.contents(atPath: entry.appendingPathComponent("plugin.json").path)
                let package = isDirectory.boolValue && fileManager.fileExists(atPath: entry.appendingPathComponent("__init__.py").path)
                var plugin: Found?
                if let manifest, !package || Self.namesCommand(manifest) {
                    plugin = manifestPlugin(manifest, directory: entry, settings: settings)
                } else if package || (!isDirectory.boolValue && entry.pathExtension == "py" && Self.looksLikeGuidePlugin(entry)) {
                    let name = package ? entry.lastPathComponent : entry.deletingPathExtension().lastPathComponent
                    if settings.only?.contains(name) ?? true { plugin = pythonPlugin(entry, settings: settings) }
                }
                if let plugin, settings.only.map({ $0.contains(plugin.name ?? plugin.listing.name) }) ?? true { found.append(plugin) }
            }
        }
        for index in found.indices {
            guard let name = found[index].name else { continue }
            var conflicts: [String] = []
            if builtin.plugin(named: name) != nil { conflicts.append("name: \"\(name)\" is taken by a built-in plugin") }
            let others = found.indices.filter { $0 != index && found[$0].name == name }.map { found[$0].path }
            if !others.isEmpty { conflicts.append("name: \"\(name)\" is also used by \(others.joined(separator: ", "))") }
            if !conflicts.isEmpty {
                found[index].listing.errors += conflicts
                found[index].listing.status = "invalid"
                found[index].plugin = nil
            }
        }
        return (found.compactMap(\.plugin), found.map(\.listing))
    }

    private static func manifestPlugin(_ data: Data, directory: URL, settings: Settings) -> Found {
        let (manifest, errors) = PluginManifest.parse(data, directory: directory, environment: settings.environment)
        let listing = PluginListing(metadata: manifest?.metadata, name: manifest?.metadata.name ?? directory.lastPathComponent,
                                    source: "external", path: directory.path, status: errors.isEmpty ? "loaded" : "invalid", errors: errors)
        let plugin = manifest.map { ExternalPlugin(manifest: $0, directory: directory) }
        return Found(name: manifest?.metadata.name, plugin: errors.isEmpty ? plugin : nil, listing: listing, path: directory.path)
    }

    /// A guide-style plugin, named after its file or directory as the original names it. One
    /// that cannot load (here, or at all) is still offered, so its providers say why they are
    /// unavailable instead of "unknown plugin".
    private static func pythonPlugin(_ url: URL, settings: Settings) -> Found {
        let name = url.pathExtension == "py" ? url.deletingPathExtension().lastPathComponent : url.lastPathComponent
        var listing = PluginListing(metadata: nil, name: name, source: "external", path: url.path, status: "invalid", errors: [])
        guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
            listing.errors = ["name: \"\(name)\" is not a Python module name (letters, digits and _)"]
            return Found(name: nil, plugin: nil, listing: listing, path: url.path)
        }
        let plugin = PythonPlugin(name: name, path: url, interpreter: settings.pythonByPlugin[name] ?? settings.python,
                                  environment: settings.environment, loadTimeout: settings.timeout, descriptions: settings.descriptions)
        listing.metadata = plugin.loaded ? plugin.metadata : nil
        listing.interpreter = plugin.description.interpreter
        switch plugin.description.outcome {
        case .loaded: listing.status = "loaded"
        case .invalid(let error): listing.errors = [error]
        case .unavailable(let error):
            listing.status = "unavailable"
            listing.errors = [error]
        case .pending:
            listing.status = "pending"
            listing.errors = [PythonDescriptions.pendingReason(name)]
        }
        return Found(name: name, plugin: plugin, listing: listing, path: url.path)
    }

    /// Whether a directory's `plugin.json` is an ai-ticker manifest rather than the metadata
    /// file the original let a package directory carry.
    private static func namesCommand(_ data: Data) -> Bool {
        (try? JSONDecoder().decode(JSONValue.self, from: data))?[key: "command"] != nil
    }

    /// The original scanned every `.py` file; one that never mentions the base class is a helper
    /// module, not a plugin.
    private static func looksLikeGuidePlugin(_ url: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: url.path) else { return true }
        let text = String(decoding: data, as: UTF8.self)
        return text.contains("BaseAIProvider") || text.contains("AIProviderPlugin")
    }
}
