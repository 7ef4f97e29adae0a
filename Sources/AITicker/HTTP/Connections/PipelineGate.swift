import NIOCore
import NIOHTTP1

/// Passes on one request at a time, and none while the client is not taking its answers: a
/// request pipelined behind another is held until the other's answer is handed on and the
/// connection is writable (under NIO's high watermark, 64 KiB unsent), and while one is held
/// nothing more is read. So a client that sends many requests and reads no answer costs the
/// service at most the watermark, one answer and one read's worth of requests, however many it
/// sends, and `ConnectionGuard`'s write timeout then closes it. NIO's `HTTPServerPipelineHandler`
/// holds requests too, but passes the next one on whatever the writability, which lets the
/// event-loop answers of `HotReadHandler` pile up in memory; hence this gate.
final class PipelineGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request's head was passed on and its end not yet.
    private var delivering = false
    /// A request was passed on and its answer has not ended yet.
    private var answering = false
    /// Parts of the requests behind it, in order.
    private var held = CircularBuffer<HTTPServerRequestPart>()
    /// A read was asked for while requests were held.
    private var readWanted = false
    /// `release` is running: an answer ended within it lets its loop go on, not a new one start.
    private var releasing = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        var isHead = false
        if case .head = part { isHead = true }
        if !held.isEmpty || (isHead && (delivering || answering || !context.channel.isWritable)) {
            held.append(part)
        } else {
            pass(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty { context.read() } else { readWanted = true }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            answering = false
            release(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        release(context: context)
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head:
            delivering = true
            answering = true
        case .end:
            delivering = false
        case .body:
            break
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    /// Passes on held requests (each with whatever of its body arrived) while each is answered
    /// at once and the client keeps up, then reads again once nothing is held. A loop, not
    /// recursion: an answer written while a request is passed on ends inside this call.
    private func release(context: ChannelHandlerContext) {
        guard !releasing else { return }
        releasing = true
        defer { releasing = false }
        var passed = false
        while context.channel.isActive, context.channel.isWritable, !answering, !delivering, !held.isEmpty {
            pass(held.removeFirst(), context: context)
            while let next = held.first {
                if case .head = next { break }
                pass(held.removeFirst(), context: context)
            }
            passed = true
        }
        if passed { context.fireChannelReadComplete() }
        if held.isEmpty, readWanted {
            readWanted = false
            context.read()
        }
    }
}
