import NIOCore
import NIOHTTP1

/// Passes on one request at a time: a request pipelined behind another is held until the
/// other's answer has been written to the socket, and while one is held nothing more is read.
/// So a client that sends many requests and reads no answer costs the service one answer and
/// one read's worth of requests, however many it sends (as nginx, which reads the next request
/// only after writing the last answer). NIO's `HTTPServerPipelineHandler` passes the next
/// request on as soon as the answer's end is handed to the channel, before it is written, which
/// lets the event-loop answers of `HotReadHandler` pile up in memory; hence this gate.
final class PipelineGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A request's head was passed on and its end not yet.
    private var delivering = false
    /// A request was passed on and its answer is not written yet.
    private var answering = false
    /// Parts of the requests behind it, in order.
    private var held = CircularBuffer<HTTPServerRequestPart>()
    /// A read was asked for while requests were held.
    private var readWanted = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        var isHead = false
        if case .head = part { isHead = true }
        if !held.isEmpty || (isHead && (delivering || answering)) {
            held.append(part)
        } else {
            pass(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty { context.read() } else { readWanted = true }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        let written = promise ?? context.eventLoop.makePromise()
        context.write(data, promise: written)
        written.futureResult.assumeIsolated().whenSuccess {
            self.answering = false
            self.release(context: context)
        }
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

    /// Passes on the next held request (with whatever of its body arrived), then reads again
    /// once nothing is held.
    private func release(context: ChannelHandlerContext) {
        guard context.channel.isActive, !answering, !delivering, !held.isEmpty else { return }
        pass(held.removeFirst(), context: context)
        while let next = held.first {
            if case .head = next { break }
            pass(held.removeFirst(), context: context)
        }
        context.fireChannelReadComplete()
        if held.isEmpty, readWanted {
            readWanted = false
            context.read()
        }
    }
}
