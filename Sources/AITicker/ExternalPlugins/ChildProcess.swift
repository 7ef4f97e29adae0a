import CSpawn
import Foundation
import Glibc
import Synchronization

/// A plugin's process. It starts as the leader of its own process group with default signal
/// dispositions and an empty signal mask (Foundation's `Process` passes on what the service's
/// threads block and ignore, so a plugin's own children could not be stopped with SIGTERM).
/// The parent keeps only its ends of the three pipes; a thread waits for the exit, then ends
/// whatever the plugin left running in its group and reaps it, so nothing outlives a plugin.
/// Signals go out only until it is reaped, so a reused process id is never signalled.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// Reaped yet, and who waits for that.
    private let exit = Mutex<(reaped: Bool, waiters: [UUID: CheckedContinuation<Bool, Never>])>((false, [:]))
    /// The parent's ends: write to `stdin`, read `stdout` and `stderr`.
    let stdin: FileHandle
    let stdout: FileHandle
    let stderr: FileHandle

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    private init(pid: pid_t, stdin: FileHandle, stdout: FileHandle, stderr: FileHandle) {
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Runs `command` through `/usr/bin/env` (so `PATH` in `environment` finds it) in `directory`.
    /// `onExit` gets the exit status (128 + the signal when it was killed), once.
    static func start(command: [String], directory: URL, environment: [String: String],
                      onExit: @escaping @Sendable (Int32) -> Void) throws(StartError) -> ChildProcess {
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
        let (input, output, errors) = (pipes[0], pipes[1], pipes[2])
        let argv = (["/usr/bin/env"] + command).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = cspawn_start(&pid, "/usr/bin/env", directory.path, argv, envp, input[0], output[1], errors[1])
        // The child's ends belong to the child now (or to nobody, when it did not start).
        [input[0], output[1], errors[1]].forEach { _ = close($0) }
        guard result == 0 else {
            [input[1], output[0], errors[0]].forEach { _ = close($0) }
            throw StartError(description: String(cString: strerror(result)))
        }
        let started = pid
        let child = ChildProcess(pid: pid, stdin: FileHandle(fileDescriptor: input[1], closeOnDealloc: true),
                                 stdout: FileHandle(fileDescriptor: output[0], closeOnDealloc: true),
                                 stderr: FileHandle(fileDescriptor: errors[0], closeOnDealloc: true))
        let waiter = Thread {
            var info = siginfo_t()
            while waitid(P_PID, id_t(started), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
            // Still a zombie, so its id and group cannot have been reused yet.
            _ = kill(-started, SIGKILL)  // what the plugin started and left behind
            var status: Int32 = 0
            let waiters = child.exit.withLock { exit in
                while waitpid(started, &status, 0) == -1 && errno == EINTR {}
                exit.reaped = true
                defer { exit.waiters = [:] }
                return exit.waiters.values
            }
            onExit(status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            waiters.forEach { $0.resume(returning: true) }
        }
        waiter.name = "plugin-\(started)-waiter"
        waiter.start()
        return child
    }

    /// Sends `number` to the plugin and everything it started, unless it is gone.
    func signal(_ number: Int32) {
        exit.withLock { exit in
            if !exit.reaped { _ = kill(-pid, number) }
        }
    }

    /// Waits for the process to end, at most `seconds`; true when it has.
    func exited(within seconds: Double) async -> Bool {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            let reaped = exit.withLock { exit in
                if !exit.reaped { exit.waiters[id] = continuation }
                return exit.reaped
            }
            if reaped { return continuation.resume(returning: true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                exit.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
            }
        }
    }
}
