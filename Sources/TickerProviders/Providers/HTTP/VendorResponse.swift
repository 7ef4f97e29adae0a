import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import TickerCore

/// One HTTP exchange with a vendor, reduced to what the plugins need.
struct VendorResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
}

/// The HTTP plumbing the vendor plugins share: sending with a deadline and a body cap, and
/// turning statuses, headers and error bodies into `ProviderError` classes (README, Error classes).
struct VendorHTTP: Sendable {
    /// Larger responses are refused as bad responses.
    static let maxBodyBytes = 1 << 20

    let client: HTTPClient
    /// Hides the API key, in the forms vendors and libraries quote it, from error messages.
    let redactor: SecretRedactor

    init(client: HTTPClient, secrets: [String]) {
        self.client = client
        self.redactor = SecretRedactor(secrets: secrets)
    }

    /// Sends a request; a network failure, a cancellation or an oversized body becomes a
    /// `ProviderError`. The caller bounds it: the tick's attempt timeout or the router's health
    /// timeout cancels the request, which closes its connection.
    func send(_ method: HTTPMethod, _ url: String, headers: [(String, String)], json: Data? = nil) async throws -> VendorResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: json))
        }
        request.headers.add(name: "user-agent", value: "ai-ticker/1.0")
        let limit = Self.maxBodyBytes
        do {
            let response = try await client.execute(request, deadline: .distantFuture)
            let body = try await response.body.collect(upTo: limit)
            return VendorResponse(status: Int(response.status.code), headers: response.headers, body: Data(buffer: body))
        } catch let error as ProviderError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ProviderError.badResponse("response body larger than 1 MiB")
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ProviderError.timeout
        } catch is CancellationError {
            throw ProviderError.timeout
        } catch {
            throw ProviderError.unavailable("network error: \(redact(String(describing: error)))")
        }
    }

    /// Decodes a success body, or says why it is not what the vendor documents.
    func decode<T: Decodable>(_ type: T.Type, from response: VendorResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            let start = String(decoding: response.body.prefix(80), as: UTF8.self)
            throw ProviderError.badResponse("unexpected response (\(response.headers.first(name: "content-type") ?? "no content type")): \(redact(start))")
        }
    }

    /// The error class of a non-2xx response (README, Error classes).
    func classify(_ response: VendorResponse, now: Date = Date()) -> ProviderError {
        let details = VendorErrorBody(response.body)
        let message = redact(details.message ?? HTTPResponseStatus(statusCode: response.status).reasonPhrase)
        let hint = Self.retryAfter(response.headers, now: now) ?? details.retryDelay
        switch response.status {
        case 401, 403:
            return .unauthorized("HTTP \(response.status): \(message)")
        case 402:
            return .quotaExhausted(until: hint.map { now.addingTimeInterval($0) })
        case 404:
            return .misconfigured("HTTP 404 (model or endpoint not found): \(message)")
        case 429:
            if details.isQuota { return .quotaExhausted(until: hint.map { now.addingTimeInterval($0) }) }
            return .rateLimited(retryAfter: hint)
        case 400, 422:
            if details.isAuth { return .unauthorized("HTTP \(response.status): \(message)") }
            if details.isQuota { return .quotaExhausted(until: hint.map { now.addingTimeInterval($0) }) }
            return .badRequest("HTTP \(response.status): \(message)")
        default:
            return .unavailable("HTTP \(response.status): \(message)")
        }
    }

    /// `retry-after-ms`, then `Retry-After` as seconds or an HTTP date.
    static func retryAfter(_ headers: HTTPHeaders, now: Date) -> Double? {
        if let text = headers.first(name: "retry-after-ms"), let ms = Double(text), ms >= 0 { return ms / 1000 }
        guard let text = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// Removes secrets and shortens what a vendor said before it reaches a log or the API.
    func redact(_ text: String) -> String {
        let text = redactor.redact(text)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}

/// What the vendors put in an error body: OpenAI `{"error": {"message", "type", "code"}}`,
/// Anthropic `{"type": "error", "error": {"type", "message"}}`, Gemini
/// `{"error": {"code", "message", "status", "details": [RetryInfo, QuotaFailure…]}}`, Ollama `{"error": "..."}`.
struct VendorErrorBody {
    var message: String?
    var type: String?
    var code: String?
    var status: String?
    var retryDelay: Double?
    var quotaIDs: [String] = []

    init(_ data: Data) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return }
        if let text = value.objectValue?["error"]?.stringValue {
            message = text
            return
        }
        guard let error = value.objectValue?["error"]?.objectValue else { return }
        message = error["message"]?.stringValue
        type = error["type"]?.stringValue
        code = error["code"]?.stringValue
        status = error["status"]?.stringValue
        if case .array(let details) = error["details"] ?? .null {
            for detail in details.compactMap(\.objectValue) {
                if let delay = detail["retryDelay"]?.stringValue, delay.hasSuffix("s") { retryDelay = Double(delay.dropLast()) }
                if case .array(let violations) = detail["violations"] ?? .null {
                    quotaIDs += violations.compactMap { $0.objectValue?["quotaId"]?.stringValue }
                }
            }
        }
    }

    /// A spent quota rather than a short rate limit: billing, spend limits, daily quotas.
    var isQuota: Bool {
        let words = [type, code, message].compactMap { $0?.lowercased() }.joined(separator: " ")
        return words.contains("insufficient_quota") || words.contains("spend limit") || words.contains("billing")
            || words.contains("credit") || quotaIDs.contains { $0.lowercased().contains("perday") }
    }

    /// Gemini answers a bad key with 400 `API_KEY_INVALID`; others say `authentication_error`.
    var isAuth: Bool {
        let words = [type, code, status, message].compactMap { $0?.lowercased() }.joined(separator: " ")
        return words.contains("api_key_invalid") || words.contains("api key not valid") || words.contains("authentication_error")
    }
}
