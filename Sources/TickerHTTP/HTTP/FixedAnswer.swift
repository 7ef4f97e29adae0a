import Hummingbird
import NIOCore
import TickerConfig

/// A body that never changes while the service runs (`/openapi.json`, the page and its assets):
/// made into a buffer once, compressed once, with a strong ETag from its bytes. Every answer
/// shares these buffers, so a client asking for it many times costs no copies.
struct FixedAnswer: Sendable {
    let body: ByteBuffer
    /// The body gzipped, when compression is on and the body is large enough.
    let gzip: ByteBuffer?
    let etag: String
    let headers: HTTPFields

    init(_ bytes: some Sequence<UInt8>, contentType: String, headers extra: HTTPFields = [:], compression: CompressionConfiguration) {
        body = ByteBuffer(bytes: bytes)
        var headers: HTTPFields = [.contentType: contentType]
        headers.append(contentsOf: extra)
        self.headers = headers
        etag = "\"f" + String(Self.fnv1a(body.readableBytesView), radix: 16) + "\""
        gzip = compression.level > 0 && body.readableBytes >= compression.minimumSize && CompressionMiddleware.compressible(contentType)
            ? try? CompressionMiddleware.gzip(body, level: compression.level) : nil
    }

    /// 304 when `If-None-Match` names it; the compressed body when the client takes gzip (its
    /// validator weak, as `CompressionMiddleware` makes it); the plain body otherwise.
    func response(to request: Request) -> Response {
        var headers = headers
        let gzipped = gzip != nil && CompressionConfiguration.acceptsGzip(request.headers[.acceptEncoding])
        headers[.eTag] = gzipped ? CompressionMiddleware.weak(etag) : etag
        if EntityTag.matches(request.headers[.ifNoneMatch], etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        guard gzipped, let gzip else { return Response(status: .ok, headers: headers, body: .init(byteBuffer: body)) }
        headers[.contentEncoding] = "gzip"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip))
    }

    /// FNV-1a, 64 bits: enough to tell two versions of one file apart.
    static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
