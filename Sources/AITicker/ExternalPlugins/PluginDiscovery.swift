import Foundation

/// One plugin as `/api/plugins` lists it: metadata, where it came from, and whether it loaded.
public struct PluginListing: Sendable, Equatable {
    public var metadata: PluginMetadata?
    /// The plugin directory's name when the manifest could not be read.
    public var name: String
    /// `builtin` or `external`.
    public var source: String
    public var path: String?
    /// `loaded` or `invalid`.
    public var status: String
    public var errors: [String]
}

/// Finds external plugins: every subdirectory with a `plugin.json` in the configured paths.
enum PluginDiscovery {
    /// The valid external plugins and a listing of every plugin, valid or not. Invalid ones,
    /// and every plugin whose name is taken twice, are listed with their errors and skipped.
    static func discover(paths: [String], builtin: PluginRegistry, environment: [String: String], timeout: Double)
        -> (plugins: [ExternalPlugin], listings: [PluginListing])
    {
        var found: [(manifest: PluginManifest?, listing: PluginListing, directory: URL)] = []
        for root in paths {
            let rootURL = URL(fileURLWithPath: root)
            let entries = (try? FileManager.default.contentsOfDirectory(at: rootURL, includingPropertiesForKeys: nil)) ?? []
            for directory in entries.sorted(by: { $0.path < $1.path }) {
                let manifestURL = directory.appendingPathComponent("plugin.json")
                guard let data = FileManager.default.contents(atPath: manifestURL.path) else { continue }
                let (manifest, errors) = PluginManifest.parse(data, directory: directory, environment: environment)
                let listing = PluginListing(metadata: manifest?.metadata, name: manifest?.metadata.name ?? directory.lastPathComponent,
                                            source: "external", path: directory.path, status: errors.isEmpty ? "loaded" : "invalid", errors: errors)
                found.append((manifest, listing, directory))
            }
        }
        for index in found.indices {
            guard let name = found[index].manifest?.metadata.name else { continue }
            if builtin.plugin(named: name) != nil {
                found[index].listing.errors.append("name: \"\(name)\" is taken by a built-in plugin")
            }
            let others = found.indices.filter { $0 != index && found[$0].manifest?.metadata.name == name }.map { found[$0].directory.path }
            if !others.isEmpty {
                found[index].listing.errors.append("name: \"\(name)\" is also used by \(others.joined(separator: ", "))")
            }
            if !found[index].listing.errors.isEmpty { found[index].listing.status = "invalid" }
        }
        let plugins = found.compactMap { entry -> ExternalPlugin? in
            guard entry.listing.status == "loaded", let manifest = entry.manifest else { return nil }
            return ExternalPlugin(manifest: manifest, directory: entry.directory, callTimeout: timeout)
        }
        return (plugins, found.map(\.listing))
    }
}
