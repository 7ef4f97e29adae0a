import AITicker
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// What the CLI uses to act on the service running on this machine: it finds the service from
/// the same configuration (`server.host`, `server.port`) and the admin token the same way the
/// service does (configured, or the file in the state directory), so nobody copies a token.
public struct AdminClient: Sendable {
    public let baseURL: String
    private let token: String?
    private let tokenOrigin: String
    private let timeout: Int64

    /// A failure the CLI prints as it is.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The HTTP status the service answered, nil when it could not be reached.
        public let status: Int?
        /// The error's fields (`issues`, `attempts`…) when the service answered.
        public let body: JSONValue?
    }

    public init(configuration: AppConfiguration) {
        let host = configuration.server.host
        let local = switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "[::1]"
        default: host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        baseURL = "http://\(local):\(configuration.server.port)"
        token = configuration.adminToken.value
        tokenOrigin = configuration.adminToken.origin ?? configuration.adminToken.generatedPath
        timeout = Int64(configuration.ticker.tickDeadlineSeconds + 15)
    }

    /// Sends one admin request (`method`: GET, POST, PATCH, DELETE); a status of 400 or more is a
    /// `Failure` with the service's message.
    public func send(_ method: String, _ path: String, json: Data? = nil) async throws(Failure) -> JSONValue {
        guard let token else {
            throw Failure(description: "no admin token found: the service writes one to \(tokenOrigin) on its first start "
                              + "(run this as its user or root, with the same --config and --db), or set TICKER_ADMIN_TOKEN", status: nil, body: nil)
        }
        if baseURL.hasSuffix(":0") {
            throw Failure(description: "server.port is 0 (any free port): pass the service's --port", status: nil, body: nil)
        }
        try await confirmService()
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: json))
        }
        let response: HTTPClientResponse
        let data: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
            data = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw Failure(description: "no ai-ticker answered at \(baseURL) (\(error)); is it running with this configuration?", status: nil, body: nil)
        }
        let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: data))) ?? .null
        guard response.status.code < 400 else {
            var message = body.objectValue?["error"]?.objectValue?["message"]?.stringValue ?? "HTTP \(response.status.code)"
            if response.status == .unauthorized { message += " (the token read from \(tokenOrigin) was refused: was it rotated without a reload?)" }
            throw Failure(description: message, status: Int(response.status.code), body: body.objectValue?["error"])
        }
        return body
    }

    /// Asks the public health route first, so the token goes only to a server that answers as
    /// ai-ticker does (another program on the configured port never sees it).
    private func confirmService() async throws(Failure) {
        let server: String?, body: JSONValue
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + "/api/health"), timeout: .seconds(10))
            server = response.headers.first(name: "server")
            body = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 20)))) ?? .null
        } catch {
            throw Failure(description: "no ai-ticker answered at \(baseURL) (\(error)); is it running with this configuration?", status: nil, body: nil)
        }
        guard server == "ai-ticker", body.objectValue?["status"] != nil else {
            throw Failure(description: "what answers at \(baseURL) is not ai-ticker (Server: \(server?.prefix(60) ?? "none")); the admin token was not sent",
                          status: nil, body: nil)
        }
    }
}
