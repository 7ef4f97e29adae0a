import Foundation
import Hummingbird

/// `/api/providers`, `/api/plugins` and the reload endpoint.
struct ProvidersController {
    let router: ProviderRouter
    let configuration: LiveConfiguration
    let coordinator: ReloadCoordinator

    func register(on table: RouteTable) {
        table.add(.get, "/api/providers") { _, _ in Response.json(ProviderList(await router.statuses())) }
        table.add(.get, "/api/plugins") { _, _ in Response.json(pluginList()) }
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

    /// The list plus the original dashboard's `health_status` and `available_providers` keys.
    struct ProviderList: Encodable {
        let providers: [ProviderStatus]
        let selected: String?
        let healthStatus: [String: Bool]
        let availableProviders: [String]
        let total: Int

        init(_ providers: [ProviderStatus]) {
            self.providers = providers
            selected = providers.first(where: \.selected)?.id
            healthStatus = Dictionary(uniqueKeysWithValues: providers.map { ($0.id, $0.available && $0.health.status != .unhealthy) })
            availableProviders = providers.filter { $0.enabled && $0.available }.map(\.id)
            total = providers.count
        }

        enum CodingKeys: String, CodingKey {
            case providers, selected, healthStatus = "health_status", availableProviders = "available_providers", total
        }
    }

    struct ReloadBody: Encodable {
        let dryRun: Bool
        let valid = true
        let diff: ProviderDiff?
        let providers: [ProviderStatus]

        init(_ report: ReloadReport) {
            dryRun = report.dryRun
            diff = report.dryRun ? nil : report.diff
            providers = report.providers
        }

        enum CodingKeys: String, CodingKey { case dryRun = "dry_run", valid, diff, providers }
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
            try container.encode(listing.path, forKey: .path)
            try container.encode(listing.status, forKey: .status)
            try container.encode(listing.errors, forKey: .errors)
            try container.encodeIfPresent(listing.interpreter, forKey: .interpreter)
        }

        enum CodingKeys: String, CodingKey { case name, source, path, status, errors, interpreter }
    }

    private func pluginList() -> [String: JSONValue] {
        let plugins = configuration.plugins.listings.map(PluginEntry.init)
        return ["plugins": MessagesController.json(plugins), "total": .number(Double(plugins.count))]
    }
}
