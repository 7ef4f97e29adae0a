import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import TickerConfig

/// gzip for responses of at least `compress_min_size` bytes when the client accepts it (the
/// original's `COMPRESS_LEVEL`/`COMPRESS_MIN_SIZE`). Bodies with an ETag (the latest message)
/// are compressed once per ETag, not once per request; streams are never compressed.
package struct CompressionMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    let configuration: CompressionConfiguration

    package init(configuration: CompressionConfiguration) {
        self.configuration = configuration
    }
    private let cache = CompressedBodies()

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard configuration.level > 0, Self.compressible(response.headers[.contentType]) else { return response }
        response.headers[HotRoutes.vary.name] = HotRoutes.vary.value
        guard CompressionConfiguration.acceptsGzip(request.headers[.acceptEncoding]) else { return response }
        if response.status == .notModified {
            response.headers[.eTag] = response.headers[.eTag].map(Self.weak)
            return response
        }
        guard request.method != .head, response.status == .ok, response.headers[.contentEncoding] == nil,
              let length = response.body.contentLength, length >= configuration.minimumSize
        else { return response }
        let etag = response.headers[.eTag]
        let key = etag.map { "\(request.uri.path) \($0)" }
        var compressed = key.flatMap { key in cache.bodies.withLock { $0[key] } }
        if compressed == nil {
            let collector = BodyCollector()
            try await response.body.write(CollectingWriter(collector: collector))
            compressed = try Self.gzip(collector.buffer, level: configuration.level)
            if let key, let compressed {
                cache.bodies.withLock { cache in
                    if cache.count >= 16 { cache.removeAll() }
                    cache[key] = compressed
                }
            }
        }
        response.body = ResponseBody(byteBuffer: compressed!)
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        if let etag { response.headers[.eTag] = Self.weak(etag) }
        return response
    }

    static func gzip(_ body: ByteBuffer, level: Int) throws -> ByteBuffer {
        var body = body
        return try body.compress(with: .gzip(configuration: .init(compressionLevel: Int32(level))))
    }

    /// A compressed body is another representation, so its validator is weak (as nginx does).
    static func weak(_ etag: String) -> String {
        etag.hasPrefix("W/") ? etag : "W/" + etag
    }

    static func compressible(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        if type == "text/event-stream" { return false }
        return type.hasPrefix("text/") || type.hasSuffix("json") || type == "application/javascript" || type == "image/svg+xml"
    }

}

/// Compressed bodies by path and ETag; at most 16, so old messages' bodies do not pile up.
final class CompressedBodies: Sendable {
    let bodies = Mutex<[String: ByteBuffer]>([:])
}

/// Gathers a response body's bytes (bodies here are a few buffers at most).
final class BodyCollector {
    var buffer = ByteBuffer()
}

struct CollectingWriter: ResponseBodyWriter {
    let collector: BodyCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        collector.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
