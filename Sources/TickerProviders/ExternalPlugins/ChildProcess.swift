import CSpawn
import Foundation
import Glibc
import NIOCore
import NIOPosix
import Synchronization

/// A plugin's process. It starts as the leader of its own process group with default signal
/// dispositions and an empty signal mask (Foundation's `Process` passes on what the service's
/// threads block and ignore, so a plugin's own children could not be stopped with SIGTERM).
/// The parent's ends of the pipes are NIO channels: stdin and stdout one channel, stderr
/// another, read on an event loop as the bytes come and written without blocking anyone.
/// A thread waits for the exit, then ends whatever the plugin left running in its group and
/// reaps it, so nothing outlives a plugin (what leaves the group is `Orphans`' to end). Signals go out only until it is reaped, so a reused
/// process id is never signalled.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// Writes go to the child's stdin; reads come from its stdout.
    private let conversation: any Channel
    private let errors: any Channel
    /// The exit status once reaped, and who waits for it.
    private let exit = Mutex<(status: Int32?, handlers: [@Sendable (Int32) -> Void], waiters: [UUID: CheckedContinuation<Bool, Never>])>((nil, [], [:]))

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    private init(pid: pid_t, conversation: any Channel, errors: any Channel) {
        self.pid = pid
        self.conversation = conversation
        self.errors = errors
    }

    /// Runs `command` through `/usr/bin/env` (so `PATH` in `environment` finds it) in `directory`.
    /// `output` gets the bytes of stdout (`stderr: false`) and stderr as they arrive.
    static func start(command: [String], directory: URL, environment: [String: String],
                      output: @escaping @Sendable (ByteBuffer, _ stderr: Bool) -> Void) async throws(StartError) -> ChildProcess {
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var ends: [Int32] = [-1, -1]
            guard cspawn_pipe(&ends) == 0 else {
                let reason = String(cString: strerror(errno))
                pipes.joined().forEach { _ = close($0) }
                throw StartError(description: "no pipe: \(reason)")
            }
            pipes.append(ends)
        }
        let (input, stdout, stderr) = (pipes[0], pipes[1], pipes[2])
        let argv = (["/usr/bin/env"] + command).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        // Registered before anyone can look for children nobody owns (`Orphans`).
        let result = Orphans.owned.withLock { owned in
            let result = cspawn_start(&pid, "/usr/bin/env", directory.path, argv, envp, input[0], stdout[1], stderr[1])
            if result == 0 { owned.insert(pid) }
            return result
        }
        // The child's ends belong to the child now (or to nobody, when it did not start).
        [input[0], stdout[1], stderr[1]].forEach { _ = close($0) }
        guard result == 0 else {
            [input[1], stdout[0], stderr[0]].forEach { _ = close($0) }
            throw StartError(description: String(cString: strerror(result)))
        }
        let bootstrap = { (stream: Bool) in
            NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(PipeReader(stderr: stream, output: output)) }
            }
        }
        // Without its pipes the child is of no use: it and its group are ended and reaped.
        func abandon(_ reason: String, closing descriptors: [Int32]) -> StartError {
            descriptors.forEach { _ = close($0) }
            _ = kill(-pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            return StartError(description: reason)
        }
        let conversation: any Channel, errors: any Channel
        do {
            conversation = try await bootstrap(false).takingOwnershipOfDescriptors(input: stdout[0], output: input[1]).get()
        } catch {
            throw abandon("no channel for the pipes: \(error)", closing: [input[1], stdout[0], stderr[0]])
        }
        do {
            errors = try await bootstrap(true).takingOwnershipOfDescriptor(input: stderr[0]).get()
        } catch {
            conversation.close(promise: nil)
            throw abandon("no channel for stderr: \(error)", closing: [stderr[0]])
        }
        let child = ChildProcess(pid: pid, conversation: conversation, errors: errors)
        let started = pid
        let waiter = Thread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(started), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            // Still a zombie, so its id and group cannot have been reused yet.
            _ = kill(-started, SIGKILL)  // what the plugin started and left behind
            let (code, handlers, waiters) = child.exit.withLock { exit in
                var status: Int32 = 0
                while waitpid(started, &status, 0) == -1 && errno == EINTR {}
                let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                defer { (exit.status, exit.handlers, exit.waiters) = (code, [], [:]) }
                return (code, exit.handlers, exit.waiters.values)
            }
            _ = Orphans.owned.withLock { $0.remove(started) }
            handlers.forEach { $0(code) }
            waiters.forEach { $0.resume(returning: true) }
            // What the plugin started outside its group came to the service when it exited.
            Orphans.end()
        }
        waiter.name = "plugin-\(started)-waiter"
        waiter.start()
        return child
    }

    /// Calls `handler` with the exit status (128 + the signal when it was killed) once the
    /// process is reaped, at once when it already is.
    func whenExited(_ handler: @escaping @Sendable (Int32) -> Void) {
        let status = exit.withLock { exit in
            if exit.status == nil { exit.handlers.append(handler) }
            return exit.status
        }
        if let status { handler(status) }
    }

    /// The exit status once reaped.
    var status: Int32? { exit.withLock { $0.status } }

    /// Queues `bytes` for the child's stdin, after what is queued already; never blocks. The
    /// future fails when the pipe is closed.
    func write(_ bytes: ByteBuffer) -> EventLoopFuture<Void> {
        conversation.writeAndFlush(bytes)
    }

    /// Closes the child's stdin after what is queued, so it reads end of file.
    func closeInput() {
        conversation.close(mode: .output, promise: nil)
    }

    /// Closes the parent's ends of the pipes.
    func closePipes() {
        conversation.close(promise: nil)
        errors.close(promise: nil)
    }

    /// Sends `number` to the plugin and everything it started, unless it is gone.
    func signal(_ number: Int32) {
        exit.withLock { exit in
            if exit.status == nil { _ = kill(-pid, number) }
        }
    }

    /// Waits for the process to end, at most `seconds`; true when it has.
    func exited(within seconds: Double) async -> Bool {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let reaped = exit.withLock { exit in
                if exit.status == nil { exit.waiters[id] = continuation }
                return exit.status != nil
            }
            if reaped { return continuation.resume(returning: true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                exit.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
            }
        }
    }
}

/// Hands the bytes a pipe delivers to the plugin host, on the channel's event loop.
private final class PipeReader: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let stderr: Bool
    let output: @Sendable (ByteBuffer, Bool) -> Void

    init(stderr: Bool, output: @escaping @Sendable (ByteBuffer, Bool) -> Void) {
        self.stderr = stderr
        self.output = output
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        output(unwrapInboundIn(data), stderr)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // the child is gone or closed its end
    }
}
