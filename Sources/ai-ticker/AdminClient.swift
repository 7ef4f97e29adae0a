import AITicker
import AsyncHTTPClient
import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import TickerClient

/// What the CLI uses to act on the service running on this machine: the client generated from
/// the contract (TickerClient), pointed at the service the configuration describes
/// (`server.host`, `server.port`) with the admin token found the way the service finds it
/// (configured, or the file in the state directory), so nobody copies a token.
struct AdminClient {
    let baseURL: String
    private let token: String?
    private let tokenOrigin: String
    private let transport: AsyncHTTPClientTransport

    /// A failure the CLI prints as it is.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The HTTP status the service answered, nil when it could not be reached.
        var status: Int? = nil
        /// The error's fields (`issues`, `attempts`…) when the service answered.
        var body: JSONValue? = nil
    }

    init(configuration: AppConfiguration) {
        let host = configuration.server.host
        let local = switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "[::1]"
        default: host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        baseURL = "http://\(local):\(configuration.server.port)"
        token = configuration.adminToken.value
        tokenOrigin = configuration.adminToken.origin ?? configuration.adminToken.generatedPath
        let timeout = Int64(configuration.ticker.tickDeadlineSeconds + 15)
        transport = AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: .seconds(timeout)))
    }

    /// Runs `call` with a client that sends the admin token, once the public health route has
    /// answered as ai-ticker does (another program on the configured port never sees the
    /// token). An answer of 400 or more is a `Failure` with the service's message.
    func send<T>(_ call: (Client) async throws -> T) async throws(Failure) -> T {
        guard let token else {
            throw Failure(description: "no admin token found: the service writes one to \(tokenOrigin) on its first start "
                              + "(run this as its user or root, with the same --config and --db), or set TICKER_ADMIN_TOKEN")
        }
        guard !baseURL.hasSuffix(":0"), let url = URL(string: baseURL) else {
            throw Failure(description: "server.port is 0 (any free port): pass the service's --port")
        }
        // The service's times carry milliseconds (RFC 3339).
        let configuration = Configuration(dateTranscoder: .iso8601WithFractionalSeconds)
        let probe = Client(serverURL: url, configuration: configuration, transport: transport, middlewares: [AnswersAsAITicker(baseURL: baseURL)])
        try await reaching { _ = try await probe.getHealth() }
        let admin = Client(serverURL: url, configuration: configuration, transport: transport, middlewares: [
            AnswersAsAITicker(baseURL: baseURL), FailureFromErrorBody(tokenOrigin: tokenOrigin), BearerToken(token: token),
        ])
        return try await reaching { try await call(admin) }
    }

    /// `body`'s result; the `Failure` a middleware threw, or one saying nobody answered.
    private func reaching<T>(_ body: () async throws -> T) async throws(Failure) -> T {
        do {
            return try await body()
        } catch let error as ClientError {
            if let failure = error.underlyingError as? Failure { throw failure }
            throw Failure(description: "no ai-ticker answered at \(baseURL) (\(error.underlyingError)); is it running with this configuration?")
        } catch {
            throw Failure(description: "unexpected answer from \(baseURL): \(error)")
        }
    }
}

/// Refuses any answer whose `Server` header is not ai-ticker's, before its body is read.
private struct AnswersAsAITicker: ClientMiddleware {
    let baseURL: String

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL url: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, url)
        let server = response.headerFields[.server]
        guard server == "ai-ticker" else {
            throw AdminClient.Failure(description: "what answers at \(baseURL) is not ai-ticker (Server: \(server?.prefix(60) ?? "none")); "
                                          + "the admin token was not sent")
        }
        return (response, responseBody)
    }
}

private struct BearerToken: ClientMiddleware {
    let token: String

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}

/// Turns an answer of 400 or more into a `Failure` with the message and fields of the
/// contract's `Error` body, whatever the operation.
private struct FailureFromErrorBody: ClientMiddleware {
    let tokenOrigin: String

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        let status = response.status.code
        guard status >= 400 else { return (response, responseBody) }
        var data = Data()
        if let responseBody { data = try await Data(collecting: responseBody, upTo: 16 << 20) }
        let error = (try? JSONDecoder().decode(JSONValue.self, from: data))?.objectValue?["error"]
        var message = error?.objectValue?["message"]?.stringValue ?? "HTTP \(status)"
        if status == 401 { message += " (the token read from \(tokenOrigin) was refused: was it rotated without a reload?)" }
        throw AdminClient.Failure(description: message, status: status, body: error)
    }
}
