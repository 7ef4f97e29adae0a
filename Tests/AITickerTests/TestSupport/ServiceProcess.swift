import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// The built `ai-ticker` binary running as a child process in a directory, for end-to-end tests.
final class ServiceProcess: Sendable {
    let process: Process
    private let output = LogBuffer()

    /// Everything the child printed, appended from the pipe's handler thread.
    final class LogBuffer: Sendable {
        let text = Mutex("")
    }

    /// The `ai-ticker` executable built next to the test bundle.
    static func binary(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name)
    }

    /// `wrapper`: a command the binary runs under (its path and `arguments` are appended).
    init(arguments: [String], directory: URL, environment: [String: String] = [:], executable: String = "ai-ticker",
         wrapper: [String] = []) throws {
        process = Process()
        if let launcher = wrapper.first {
            process.executableURL = URL(fileURLWithPath: launcher)
            process.arguments = wrapper.dropFirst() + [Self.binary(executable).path] + arguments
        } else {
            process.executableURL = Self.binary(executable)
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory
        // The tests' admin token unless a test sets its own (an empty value leaves it unset).
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path, "TICKER_ADMIN_TOKEN": adminToken].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [output] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.text.withLock { $0 += text }
        }
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var log: String { output.text.withLock { $0 } }

    /// Waits for the "listening on http://host:port" line and returns the port.
    func port(timeout: Duration = .seconds(30)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let range = log.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
               let port = Int(log[range].split(separator: ":").last ?? "") {
                return port
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessError(message: "no listening line; log:\n\(log)")
    }

    /// Waits for the process to exit and returns its status.
    func exitStatus(timeout: Duration = .seconds(15)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw ProcessError(message: "still running; log:\n\(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    struct ProcessError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

/// GET a loopback URL, returning status and body.
func httpGet(_ url: String) async throws -> (status: Int, body: String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

/// POST (or `method`) to a loopback URL with the tests' admin token, returning status and body.
func httpPost(_ url: String, body: String = "", token: String = adminToken, method: NIOHTTP1.HTTPMethod = .POST) async throws -> (status: Int, body: String) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    request.headers.add(name: "authorization", value: "Bearer \(token)")
    request.body = .bytes(ByteBuffer(string: body))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: bytes))
}

/// Polls `GET /api/message` until the service has a message (the first tick runs at start), for
/// up to ten seconds; returns the last answer.
func firstMessage(port: Int) async throws -> (status: Int, body: String) {
    var answer = (status: 0, body: "")
    for _ in 0..<100 {
        answer = try await httpGet("http://127.0.0.1:\(port)/api/message")
        if answer.status == 200 { break }
        try await Task.sleep(for: .milliseconds(100))
    }
    return answer
}
