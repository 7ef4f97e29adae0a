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

/// Sends `request` as written (any `Host`, any header) to a loopback port over a plain socket
/// and returns the response's status code and text, read until the server closes or 5 s pass.
func rawHTTP(port: Int, _ request: String) throws -> (status: Int, text: String) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw POSIXError(.EIO) }
    defer { close(descriptor) }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let bytes = Array(request.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count <= 0 { break }
        received += buffer[0..<count]
    }
    let text = String(decoding: received, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, text)
}
