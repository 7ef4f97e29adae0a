import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypesHTTP1
import Testing

/// The one assumption about Hummingbird that `GuardedHTTP1Channel` keeps: its HTTP/1 child
/// channel leaves NIO's HTTP/1 codec and then `HTTP1ToHTTPServerCodec` in the pipeline, so a
/// handler added just before the latter sees requests as `HTTPServerRequestPart`s. Hummingbird
/// has no public hook there; if an upgrade changes that layout, this fails before any connection
/// does.
@Suite("Hummingbird's HTTP/1 pipeline")
struct PipelineLayoutTests {
    final class Probe: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        var heads: [String] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) { heads.append(head.uri) }
            context.fireChannelRead(data)
        }
    }

    @Test func aHandlerBeforeTheTypesCodecSeesNIOsRequestParts() throws {
        let channel = EmbeddedChannel()
        let http1 = HTTP1Channel(responder: { _, _, _ in })
        _ = try http1.setup(channel: channel, logger: Logger(label: "test")).wait()
        let pipeline = channel.pipeline.syncOperations
        let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
        let probe = Probe()
        try pipeline.addHandler(probe, position: .before(codec))
        try channel.writeInbound(ByteBuffer(string: "GET /api/message HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
        #expect(probe.heads == ["/api/message"])
        _ = try? channel.finish()
    }
}
