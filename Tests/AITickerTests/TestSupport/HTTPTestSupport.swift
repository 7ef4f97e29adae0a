import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
@testable import AITicker
@testable import TickerCore
@testable import TickerRuntime

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
        await services.startProviders()  // as the running service's ProviderService does
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

/// Runs `process` to its end and returns its exit status, without holding one of the few threads
/// of Swift's cooperative pool meanwhile (a build or a venv takes seconds; the in-process servers
/// of other tests need those threads to answer).
func runToEnd(_ process: Process) async throws -> Int32 {
    try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            continuation.resume(throwing: error)
        }
    }
}

/// Runs blocking socket work on a Dispatch thread, so it never holds one of the few threads of
/// Swift's cooperative pool that the server in the same process needs to answer.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// Sends `request` as written (any `Host`, any header) to a loopback port over a plain socket
/// and returns the response's status code and text, read until the server closes or 20 s pass
/// (the most it waits: a busy 2-core machine running the whole suite may take seconds).
func rawHTTP(port: Int, _ request: String) async throws -> (status: Int, text: String) {
    try await offThePool { try blockingRawHTTP(port: port, request) }
}

private func blockingRawHTTP(port: Int, _ request: String) throws -> (status: Int, text: String) {
    let connection = try RawConnection(port: port)
    connection.send(request)
    let text = connection.blockingRead(seconds: 20).text
    return (Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0, text)
}

/// A plain loopback TCP connection for tests that send partial requests or nothing at all.
final class RawConnection: @unchecked Sendable {  // one test uses it at a time
    private(set) var descriptor: Int32

    /// `receiveBuffer`: a small one makes a client that reads nothing stall the server's writes soon.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer { setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // The real reason, not always "refused" (an interrupted or timed-out connect says so).
        guard connected == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED
            close(descriptor)
            throw POSIXError(code)
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Closes with a reset (RST), as a client that crashes or loses its network does.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(descriptor)
        descriptor = -1
    }

    func send(_ text: String) {
        let bytes = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes the connection, `seconds` pass or what came contains
    /// `until`; returns what came and whether the server closed it.
    func readUntilClosed(seconds: Int, until: String? = nil) async throws -> (text: String, closed: Bool) {
        try await offThePool { self.blockingRead(seconds: seconds, until: until) }
    }

    fileprivate func blockingRead(seconds: Int, until: String? = nil) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + .seconds(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { continue }
                return (String(decoding: received, as: UTF8.self), true)
            }
            received += buffer[0..<count]
            if let until, String(decoding: received, as: UTF8.self).contains(until) { return (String(decoding: received, as: UTF8.self), false) }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}
