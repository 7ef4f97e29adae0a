import NIOCore
import NIOHTTP1
import Synchronization

/// Passes on one request at a time, one per turn (see `Turns`), and none while the client is not
/// taking its answers: a request pipelined behind another is held until the other's answer is
/// handed on and the connection is writable (under NIO's high watermark, 64 KiB unsent), and
/// while one is held nothing more is read. So a client that sends many requests and reads no
/// answer costs the service at most the watermark, one answer and one read's worth of requests,
/// however many it sends, and `ConnectionGuard`'s write timeout then closes it. NIO's
/// `HTTPServerPipelineHandler` holds requests too, but passes the next one on whatever the
/// writability, which lets the event-loop answers of `HotReadHandler` pile up in memory; hence
/// this gate.
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
    /// Requests passed on in this turn: one read event, one writability change or one turn
    /// given by `Turns`.
    private var passedThisTurn = 0
    private var turns: Turns?
    private var waitingForTurn = false
    /// One request per turn: fairest to everyone else (BENCHMARKS.md, issue 24).
    static let perTurn = 1

    func handlerAdded(context: ChannelHandlerContext) {
        turns = Turns.of(context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        var isHead = false
        if case .head = part { isHead = true }
        if !held.isEmpty || (isHead && (delivering || answering || !context.channel.isWritable || passedThisTurn >= Self.perTurn)) {
            held.append(part)
            awaitTurnIfDue(context: context)
        } else {
            pass(part, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        passedThisTurn = 0
        context.fireChannelReadComplete()
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
        passedThisTurn = 0
        release(context: context)
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head:
            delivering = true
            answering = true
            passedThisTurn += 1
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
        while context.channel.isActive, context.channel.isWritable, !answering, !delivering, !held.isEmpty, passedThisTurn < Self.perTurn {
            pass(held.removeFirst(), context: context)
            while let next = held.first {
                if case .head = next { break }
                pass(held.removeFirst(), context: context)
            }
            passed = true
        }
        if passed { context.fireChannelReadComplete() }
        awaitTurnIfDue(context: context)
        if held.isEmpty, readWanted {
            readWanted = false
            context.read()
        }
    }

    /// Held requests that only this turn's share keeps back wait for the connection's next turn.
    private func awaitTurnIfDue(context: ChannelHandlerContext) {
        guard !waitingForTurn, !held.isEmpty, passedThisTurn >= Self.perTurn, !answering, !delivering, let turns else { return }
        waitingForTurn = true
        turns.enqueue {
            self.waitingForTurn = false
            self.passedThisTurn = 0
            self.release(context: context)
        }
    }
}

/// The connections of one event loop whose pipelined requests wait for their next turn. A client
/// that pipelines requests answered on the event loop gets `PipelineGate.perTurn` of them per
/// read event; the rest wait here, and one task per loop gives every waiting connection its next
/// share, scheduled 100 µs after the previous round ends, so the loop reads its other
/// sockets (new clients included) between rounds. Without this, 300 clients pipelining 200 small
/// requests each kept a new client waiting for most of a second (BENCHMARKS.md).
final class Turns: @unchecked Sendable {  // the state is touched on `loop` only
    /// Weak: a loop that ends (a test's) leaves its entry, which the next loop at its address replaces.
    private weak var loop: (any EventLoop)?
    private var waiting: [() -> Void] = []
    private var running = false
    private var scheduled = false
    private static let byLoop = Mutex<[ObjectIdentifier: Turns]>([:])

    private init(loop: any EventLoop) {
        self.loop = loop
    }

    static func of(_ loop: any EventLoop) -> Turns {
        byLoop.withLock { known in
            if let turns = known[ObjectIdentifier(loop)], turns.loop === loop { return turns }
            let turns = Turns(loop: loop)
            known[ObjectIdentifier(loop)] = turns
            return turns
        }
    }

    func enqueue(_ turn: @escaping () -> Void) {
        waiting.append(turn)
        if !running { schedule() }
    }

    private func schedule() {
        guard !scheduled, !waiting.isEmpty, let loop else { return }
        scheduled = true
        loop.assumeIsolated().scheduleTask(in: .microseconds(100)) { self.round() }
    }

    private func round() {
        scheduled = false
        running = true
        let due = waiting
        waiting.removeAll(keepingCapacity: true)
        for turn in due { turn() }
        running = false
        schedule()
    }
}
