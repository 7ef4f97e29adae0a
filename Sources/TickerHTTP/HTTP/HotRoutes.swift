import HTTPTypes

/// The rules of the routes every screen polls, kept once. `MessagesController` registers and
/// answers these routes with them, the middleware adds its headers with them, and
/// `HotReadHandler` answers the same requests on the event loop from the same values, so both
/// agree by construction (HotReadTests still compare the two answers byte for byte).
package enum HotRoutes {
    /// `GET`/`HEAD`: the newest message's summary.
    package static let message = "/api/message"
    /// `GET`/`HEAD`: a page of history, `limit` (`ListLimit`) and `before` in its query.
    package static let history = "/api/messages"
    /// Where each channel's routes are: `/api/channels/{name}/message` and the others of `MessageRoutes`.
    package static let channels = "/api/channels/"
    /// Every JSON answer's type.
    package static let json = "application/json; charset=utf-8"

    /// What `/api/message` answers with beside its type: its ETag, and no caching without asking.
    package static func messageHeaders(etag: String) -> HTTPFields {
        [.eTag: etag, .cacheControl: "no-cache"]
    }

    /// A 304's headers.
    package static func notModifiedHeaders(etag: String) -> HTTPFields {
        [.eTag: etag]
    }

    /// On every answer (ErrorMiddleware).
    package static let noSniff = HTTPField(name: HTTPField.Name("X-Content-Type-Options")!, value: "nosniff")
    /// On every compressible answer while compression is on (CompressionMiddleware).
    package static let vary = HTTPField(name: .vary, value: "Accept-Encoding")
}

extension HTTPField {
    /// As NIO's `HTTPHeaders` takes it (the fast path's heads).
    package var pair: (String, String) { (name.rawName, value) }
}

/// A channel's message routes: today's paths are the default channel's, and every channel has
/// the same under `/api/channels/{name}`.
package struct MessageRoutes: Sendable {
    let message: String
    let latest: String
    let history: String
    let byID: String
    let generate: String
    let stream: String

    static let plain = MessageRoutes(message: HotRoutes.message, latest: "/api/messages/latest", history: HotRoutes.history,
                                     byID: "/api/messages/{id}", generate: "/api/messages/generate", stream: "/api/stream")
    static let named = MessageRoutes(message: "\(HotRoutes.channels){name}/message", latest: "\(HotRoutes.channels){name}/messages/latest",
                                     history: "\(HotRoutes.channels){name}/messages", byID: "\(HotRoutes.channels){name}/messages/{id}",
                                     generate: "\(HotRoutes.channels){name}/generate", stream: "\(HotRoutes.channels){name}/stream")
    static let both = [plain, named]
}

/// The `limit` of a list: history pages, `/api/ticks`, and `ai-ticker messages --limit`.
public enum ListLimit {
    public static let range = 1...200
    /// When a request gives none (the CLI shows 10 by default, within the range).
    public static let defaultValue = 20
    public static let rule = "limit must be an integer from \(range.lowerBound) to \(range.upperBound)"

    /// The limit `text` asks for (the default when nil); nil when it is not a number in range.
    public static func value(_ text: String?) -> Int? {
        guard let text else { return defaultValue }
        guard let value = Int(text), range.contains(value) else { return nil }
        return value
    }
}
