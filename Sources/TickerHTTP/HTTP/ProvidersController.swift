import Foundation
import Hummingbird
import Synchronization
import TickerCore
import TickerProviders
import TickerRuntime

/// `/api/providers`, `/api/plugins` and the reload endpoint.
package struct ProvidersController {
    let router: ProviderRouter
    let configuration: LiveConfiguration
    let coordinator: ReloadCoordinator

    package init(router: ProviderRouter, configuration: LiveConfiguration, coordinator: ReloadCoordinator) {
        self.router = router
        self.configuration = configuration
        self.coordinator = coordinator
    }
    /// `/api/plugins` changes only with a reload: encoded once per listing, not per request.
    private let pluginsBody = EncodedOnce<[PluginListing]>()

    package func register(on table: RouteTable) {
        table.add(.get, "/api/providers") { _, _ in Response.json(ProviderList(await router.statuses())) }
        table.add(.get, "/api/plugins") { _, _ in Response.json(buffer: pluginList()) }
        table.add(.post, "/api/providers/reload", admin: true) { request, _ in
            let dryRun = try Self.flag(request.uri.queryParameters.get("dry_run"), name: "dry_run")
            let report = try await coordinator.reload(dryRun: dryRun)
            return Response.json(ReloadBody(report))
        }
    }

    static func flag(_ text: String?, name: String) throws -> Bool {
        switch text?.lowercased() {
        case nil, "false", "0": false
        case "true", "1": true
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }

    /// The original dashboard's shape (`providers` keyed by name, `health_status`,
    /// `available_providers`), with the order of the list kept in `ranking`.
    struct ProviderList: Encodable {
        let providers: [String: ProviderStatus]
        let ranking: [String]
        let selected: String?
        let healthStatus: [String: Bool]
        let availableProviders: [String]
        let total: Int

        init(_ statuses: [ProviderStatus]) {
            providers = Dictionary(statuses.map { ($0.id, PublicText.withoutPaths($0)) }) { first, _ in first }
            ranking = statuses.map(\.id)
            selected = statuses.first(where: \.selected)?.id
            healthStatus = Self.healthMap(statuses)
            availableProviders = Self.available(statuses)
            total = statuses.count
        }

        /// The original's `health_check_all()`: each instance's id and whether it is healthy.
        static func healthMap(_ statuses: [ProviderStatus]) -> [String: Bool] {
            Dictionary(statuses.map { ($0.id, $0.available && $0.health.status != .unhealthy) }) { first, _ in first }
        }

        /// The original's `get_available_providers()`: those enabled and able to run, best first.
        static func available(_ statuses: [ProviderStatus]) -> [String] {
            statuses.filter { $0.enabled && $0.available }.map(\.id)
        }

        enum CodingKeys: String, CodingKey {
            case providers, ranking, selected, healthStatus = "health_status", availableProviders = "available_providers", total
        }
    }

    /// The original's answer (`status`, `message`, `providers` as names), then what changed and
    /// every provider's state.
    struct ReloadBody: Encodable {
        let status = "success"
        let message: String
        let providers: [String]
        let dryRun: Bool
        let valid = true
        let diff: ProviderDiff?
        let channels: ProviderDiff?
        let details: [ProviderStatus]

        init(_ report: ReloadReport) {
            message = report.dryRun ? "Configuration valid; nothing was applied (dry run)" : "Providers reloaded successfully"
            providers = ProviderList.available(report.providers)
            dryRun = report.dryRun
            diff = report.diff
            channels = report.channels
            details = report.providers.map(PublicText.withoutPaths)
        }

        enum CodingKeys: String, CodingKey { case status, message, providers, dryRun = "dry_run", valid, diff, channels, details }
    }

    struct PluginEntry: Encodable {
        let listing: PluginListing

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            if let metadata = listing.metadata {
                try metadata.encode(to: encoder)
            } else {
                try container.encode(listing.name, forKey: .name)
            }
            try container.encode(listing.source, forKey: .source)
            try container.encode(listing.status, forKey: .status)
            try container.encode(listing.errors.map(PublicText.withoutPaths), forKey: .errors)
            try container.encodeIfPresent(listing.models, forKey: .models)
        }

        // A public route: no `path`, no interpreter (`ai-ticker plugins list` shows both).
        enum CodingKeys: String, CodingKey { case name, source, status, errors, models }
    }

    struct PluginList: Encodable {
        let plugins: [PluginEntry]
        let total: Int
    }

    private func pluginList() -> ByteBuffer {
        pluginsBody.body(for: configuration.plugins.listings) { listings in
            let plugins = listings.map(PluginEntry.init)
            return PluginList(plugins: plugins, total: plugins.count)
        }
    }
}

/// A JSON body that changes only with its key (a reload's listings): encoded the first time the
/// key is seen, then shared.
final class EncodedOnce<Key: Equatable & Sendable>: Sendable {
    private let last = Mutex<(key: Key, body: ByteBuffer)?>(nil)

    func body(for key: Key, _ value: (Key) -> some Encodable) -> ByteBuffer {
        if let known = last.withLock({ $0 }), known.key == key { return known.body }
        let body = ByteBuffer(bytes: (try? JSONCoding.encoder.encode(value(key))) ?? Data("{}".utf8))
        last.withLock { $0 = (key, body) }
        return body
    }
}
