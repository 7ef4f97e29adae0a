import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import AITicker

extension TestWorkspace {
    /// Builds the real application (ticks fired by hand) and runs `body` against it.
    func withApp<T: Sendable>(
        config: String? = nil, environment: [String: String] = [:], live: Bool = false,
        _ body: @Sendable @escaping (TickerServices, ManualTickSource, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        if !FileManager.default.fileExists(atPath: path(".env")) { try write(".env", "") }
        let source = ManualTickSource()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var environment = environment
        if live { environment["SERVER_PORT"] = "0" }
        let options = TickerOptions(sources: try sources(config: config, environment: environment), tickSource: source, logger: logger, httpClient: testHTTPClient)
        let (application, services) = try await buildApplication(options)
        return try await application.test(live ? .live : .router) { client in try await body(services, source, client) }
    }
}

extension TestResponse {
    var json: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body))) ?? .null
    }

    var text: String { String(buffer: body) }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue? { objectValue?[key] }
    subscript(_ index: Int) -> JSONValue? { if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil } }
    var arrayValue: [JSONValue] { if case .array(let items) = self { items } else { [] } }
}

let adminToken = "test-admin-token"
let adminHeaders: HTTPFields = [.authorization: "Bearer \(adminToken)"]
let jsonHeaders: HTTPFields = [.authorization: "Bearer \(adminToken)", .contentType: "application/json"]
