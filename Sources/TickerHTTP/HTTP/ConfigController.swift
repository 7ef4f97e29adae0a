import Foundation
import Hummingbird
import TickerConfig
import TickerCore
import TickerRuntime

/// `/api/config`: effective values with their layers; runtime overrides set and removed.
package struct ConfigController {
    let configuration: LiveConfiguration
    let coordinator: ReloadCoordinator

    package init(configuration: LiveConfiguration, coordinator: ReloadCoordinator) {
        self.configuration = configuration
        self.coordinator = coordinator
    }

    package func register(on table: RouteTable) {
        table.add(.get, "/api/config", admin: true) { _, _ in body() }
        table.add(.patch, "/api/config", admin: true) { request, _ in
            let data = try await request.body.collect(upTo: 64 * 1024)
            guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: data)), case .object(let object) = decoded, !object.isEmpty else {
                throw APIError.badRequest("expected a JSON object of \"key\": value pairs, e.g. {\"ticker.interval_seconds\": 60}; null removes an override")
            }
            let changes = object.mapValues { $0 == .null ? nil : $0 }
            _ = try await coordinator.setOverrides(changes)
            return body()
        }
        table.add(.delete, "/api/config/{key}", admin: true) { _, context in
            let key = context.parameters.get("key") ?? ""
            guard try await coordinator.overrides()[key] != nil else {
                throw APIError.notFound("no runtime override for \"\(key)\"")
            }
            _ = try await coordinator.setOverrides([key: nil])
            return body()
        }
    }

    private func body() -> Response {
        let configuration = configuration.value
        struct Body: Encodable {
            let config: [EffectiveSetting]
            let file: String
            let warnings: [ConfigurationIssue]
        }
        return Response.json(Body(config: configuration.effective, file: configuration.configFile, warnings: configuration.warnings))
    }
}
