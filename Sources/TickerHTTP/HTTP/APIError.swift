import Foundation
import Hummingbird
import NIOCore
import TickerCore

/// An error with its HTTP status and a stable code, rendered as `{"error": {"code", "message"}}`.
/// Only the HTTP layer knows status codes; `ErrorMiddleware` maps domain errors to this.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: ErrorCode
    var message: String
    /// Extra fields beside `code` and `message` (e.g. the configuration issues or tick attempts).
    var details: [String: JSONValue] = [:]
    /// Extra response headers, e.g. `Allow` on a 405.
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: .badRequest, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: .notFound, message: message) }

    var response: Response {
        Response.json(bytes: body, status: status, headers: headers)
    }

    /// The encoded `{"error": {...}}`.
    var body: Data {
        var error: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message)]
        error.merge(details) { current, _ in current }
        return (try? JSONCoding.encoder.encode(["error": JSONValue.object(error)])) ?? Data("{}".utf8)
    }
}

extension Response {
    /// A JSON response of any `Encodable`, encoded with the API's coders.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONCoding.encoder.encode(value)) ?? Data("{}".utf8)
        return json(bytes: data, status: status)
    }

    static func json(bytes: some Sequence<UInt8>, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        json(buffer: ByteBuffer(bytes: bytes), status: status, headers: extra)
    }

    /// A JSON response whose body is already encoded (shared, not copied).
    static func json(buffer: ByteBuffer, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: HotRoutes.json]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }
}
