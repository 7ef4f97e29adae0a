import NIOCore
import NIOHTTP1

/// One stream client. Once the router's stream handler has written the response head, the
/// feed writes the rest straight to the connection on its event loop: the `retry:` hint and the
/// backlog, then each new message and heartbeat. `LatestMessageCache` hands a new message to
/// every feed of a loop in one pass there, so it costs no task wake-up and no hop per client.
/// The handler waits for `ended` and then finishes the body.
public final class StreamFeed: @unchecked Sendable {  // the mutable state is touched on `loop` only
    let loop: EventLoop
    let client: String
    private let channel: Channel
    private let buffer: Int
    private let ended: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var sent: Int64 = 0
    private var behind = 0
    private var open = true

    static let heartbeat = ByteBuffer(string: ": heartbeat\n\n")

    /// `buffer`: events a client may fall behind (its connection not writable) before it is let go.
    init(channel: Channel, client: String, buffer: Int) {
        self.channel = channel
        self.loop = channel.eventLoop
        self.client = client
        self.buffer = buffer
        ended = channel.eventLoop.makePromise()
    }

    /// Takes the connection over: writes `first` (what the client has not seen up to message
    /// `sent`), then catches up with `latest` if it moved on meanwhile. Completes when the stream
    /// ends: the client went, fell behind, or the server stops (`HotReadHandler` hears it).
    func follow(writing first: [ByteBuffer], sent: Int64, latest: LatestMessageCache) -> EventLoopFuture<Void> {
        loop.submit { [self] in
            // Below the HTTP types codec, where the router's answer is already chunked body parts.
            let handler = try channel.pipeline.syncOperations.handler(type: HotReadHandler.self)
            guard open, !handler.quiescing else { return end() }
            handler.stream = self
            let context = try channel.pipeline.syncOperations.context(handlerType: HotReadHandler.self)
            for frame in first { context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(frame))), promise: nil) }
            context.flush()
            self.context = context
            self.sent = sent
            if let snapshot = latest.snapshot { deliver(.message(snapshot)) }
        }.flatMap { [ended] in ended.futureResult }
    }

    /// On `loop`.
    func deliver(_ event: LatestMessageCache.Event) {
        guard open, let context else { return }
        let frame: ByteBuffer
        switch event {
        case .message(let snapshot):
            guard snapshot.message.id > sent else { return }
            sent = snapshot.message.id
            frame = snapshot.streamEvent
        case .retraction(let event):
            frame = event
        case .heartbeat:
            frame = Self.heartbeat
        }
        behind = context.channel.isWritable ? 0 : behind + 1
        guard behind <= buffer else {
            // A stalled client holds nobody up and no memory: it is let go.
            end()
            context.close(promise: nil)
            return
        }
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(frame))), promise: nil)
    }

    /// On `loop`: nothing more is written here; the stream handler finishes the body.
    func end() {
        guard open else { return }
        open = false
        context = nil
        ended.succeed()
    }
}
