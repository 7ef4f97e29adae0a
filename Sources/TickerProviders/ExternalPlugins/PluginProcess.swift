import Foundation
import Logging
import NIOCore
import Synchronization
import TickerCore

/// One external plugin's child process and the JSON-RPC 2.0 conversation with it: one JSON object
/// per line on stdin/stdout, stderr lines to the log. A crashed process is started again on the
/// next use, after a backoff that doubles with each crash (at most a minute). The pipes are NIO
/// channels (`ChildProcess`): a request is queued on the channel, never written under the lock
/// the stdout reader needs, so a plugin that stops reading cannot stall its own answers.
final class PluginProcess: Sendable {
    /// Lines longer than this are dropped whole, so a flooding plugin cannot exhaust memory.
    static let maxLineBytes = 1 << 20

    private struct State {
        var process: ChildProcess?
        /// A start under way, which every caller that finds no process waits for.
        var starting: Task<Int, any Error>?
        var generation = 0
        var exited = true
        var stopping = false
        var pending: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var cancelled: Set<Int> = []
        var nextID = 1
        var stdout = LineBuffer()
        var stderr = LineBuffer()
        var crashes = 0
        var restartAt: ContinuousClock.Instant?
        /// stderr lines logged in the current second, and those dropped beyond the budget.
        var stderrWindow: (start: ContinuousClock.Instant, logged: Int, dropped: Int) = (.now, 0, 0)
    }

    /// stderr lines logged per second at most; more are counted and reported once a second.
    static let stderrLinesPerSecond = 50

    let launch: PluginLaunch
    let logger: Logger
    /// Hides the plugin's API key and header values from logged stderr lines and its errors.
    let redactor: SecretRedactor
    private let state = Mutex(State())
    var name: String { launch.name }

    init(launch: PluginLaunch, logger: Logger, secrets: [String]) {
        self.launch = launch
        self.logger = logger
        self.redactor = SecretRedactor(secrets: secrets)
    }

    /// The generation of the running process, starting one if none runs and the backoff allows.
    func startIfNeeded() async throws -> Int {
        let starting: Task<Int, any Error>? = try state.withLock { state in
            if !state.exited { return nil }
            if let starting = state.starting { return starting }
            if let restartAt = state.restartAt, ContinuousClock.now < restartAt {
                let wait = ContinuousClock.now.duration(to: restartAt).components.seconds + 1
                throw ProviderError.unavailable("plugin \(name) crashed; restarting in \(wait) s")
            }
            let generation = state.generation + 1
            (state.stdout, state.stderr) = (LineBuffer(), LineBuffer())
            let task = Task { try await self.start(generation) }
            state.starting = task
            return task
        }
        guard let starting else { return state.withLock { $0.generation } }
        return try await starting.value
    }

    private func start(_ generation: Int) async throws -> Int {
        let process: ChildProcess
        do {
            process = try await ChildProcess.start(command: launch.command, directory: launch.directory, environment: launch.environment) { [weak self] bytes, stderr in
                self?.received(bytes, stderr: stderr)
            }
        } catch {
            state.withLock { state in
                state.starting = nil
                state.crashes += 1
                state.restartAt = ContinuousClock.now + Self.backoff(state.crashes)
            }
            throw ProviderError.unavailable("plugin \(name) could not start: \(error)")
        }
        state.withLock { state in
            (state.process, state.generation, state.exited, state.stopping, state.starting) = (process, generation, false, false, nil)
        }
        process.whenExited { [weak self] status in self?.exited(generation: generation, status: status) }
        return generation
    }

    static func backoff(_ crashes: Int) -> Duration {
        .seconds(min(60, 1 << min(crashes - 1, 6)))
    }

    /// Sends one request and waits for the answer with the same id. The caller bounds the wait
    /// (the router's or the tick's timeout): a call it gives up on stops the plugin, whose next
    /// use starts it again.
    func call(_ method: String, params: JSONValue) async throws -> JSONValue {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let request = JSONValue.object(["jsonrpc": .string("2.0"), "id": .number(Double(id)), "method": .string(method), "params": params])
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                self.register(id: id, continuation: continuation, request: request)
            }
        } onCancel: {
            self.cancel(id: id, method: method)
        }
    }

    private func register(id: Int, continuation: CheckedContinuation<JSONValue, any Error>, request: JSONValue) {
        guard var line = try? JSONEncoder().encode(request) else {
            return continuation.resume(throwing: ProviderError.badRequest("the request could not be encoded"))
        }
        line.append(UInt8(ascii: "\n"))
        let (process, failure): (ChildProcess?, ProviderError?) = state.withLock { state in
            if state.cancelled.remove(id) != nil { return (nil, .timeout) }
            guard !state.exited, let process = state.process else { return (nil, .unavailable("plugin \(name) is not running")) }
            state.pending[id] = continuation
            return (process, nil)
        }
        guard let process else { return continuation.resume(throwing: failure ?? .timeout) }
        process.write(ByteBuffer(bytes: line)).whenFailure { [self] _ in
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(throwing: ProviderError.unavailable("plugin \(name) closed its input"))
        }
    }

    private func cancel(id: Int, method: String) {
        let continuation = state.withLock { state in
            let found = state.pending.removeValue(forKey: id)
            if found == nil { state.cancelled.insert(id) }
            return found
        }
        guard let continuation else { return }
        logger.warning("plugin did not answer in time; stopping it", metadata: ["plugin": "\(name)", "method": "\(method)"])
        kill()
        continuation.resume(throwing: ProviderError.timeout)
    }

    private func received(_ bytes: ByteBuffer, stderr: Bool) {
        let data = Data(bytes.readableBytesView)
        guard !data.isEmpty else { return }
        let (lines, dropped) = state.withLock { state in
            stderr ? state.stderr.append(data, limit: Self.maxLineBytes) : state.stdout.append(data, limit: Self.maxLineBytes)
        }
        if dropped > 0 {
            logger.warning("dropped over-long output line", metadata: ["plugin": "\(name)", "stream": "\(stderr ? "stderr" : "stdout")"])
        }
        for line in lines {
            if stderr { log(stderrLine: line) } else { answer(line) }
        }
    }

    /// Logs a stderr line with its control characters made visible, within the per-second budget.
    private func log(stderrLine line: Data) {
        let (allowed, dropped) = state.withLock { state -> (Bool, Int) in
            let now = ContinuousClock.now
            var dropped = 0
            if now - state.stderrWindow.start >= .seconds(1) {
                dropped = state.stderrWindow.dropped
                state.stderrWindow = (now, 0, 0)
            }
            state.stderrWindow.logged += 1
            let allowed = state.stderrWindow.logged <= Self.stderrLinesPerSecond
            if !allowed { state.stderrWindow.dropped += 1 }
            return (allowed, dropped)
        }
        if dropped > 0 {
            logger.warning("plugin wrote too much to stderr; lines dropped", metadata: ["plugin": "\(name)", "dropped": "\(dropped)"])
        }
        if allowed {
            logger.notice("\(MessageText.visible(redact(String(decoding: line, as: UTF8.self))))", metadata: ["plugin": "\(name)"])
        }
    }

    /// Resolves the pending call a response line answers; anything else is logged and ignored.
    private func answer(_ line: Data) {
        guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { return }
        // JSON is UTF-8: a line that is not cannot answer anything, so the call fails now rather
        // than when its timeout ends.
        guard String(validating: line, as: UTF8.self) != nil else {
            let waiting = state.withLock { state in
                defer { state.pending.removeAll() }
                return Array(state.pending.values)
            }
            logger.warning("plugin wrote invalid UTF-8 on stdout", metadata: ["plugin": "\(name)"])
            for continuation in waiting { continuation.resume(throwing: ProviderError.badResponse("plugin \(name) wrote invalid UTF-8 on stdout")) }
            return
        }
        guard let message = try? JSONDecoder().decode(JSONValue.self, from: line), case .object(let object) = message,
              let id = object["id"]?.doubleValue.flatMap({ Int(exactly: $0) })
        else {
            logger.warning("ignored output that is not a JSON-RPC response", metadata: ["plugin": "\(name)"])
            return
        }
        guard let continuation = state.withLock({ $0.pending.removeValue(forKey: id) }) else {
            if id == 0 { return }  // the answer to `shutdown`, which nobody waits for
            logger.warning("ignored a response to no pending request", metadata: ["plugin": "\(name)", "id": "\(id)"])
            return
        }
        if let error = object["error"]?.objectValue {
            continuation.resume(throwing: Self.providerError(error, redact: redact))
        } else {
            continuation.resume(returning: object["result"] ?? .null)
        }
    }

    /// The `ProviderError` for a JSON-RPC error whose `data.kind` names the class (docs/writing-a-provider.md).
    static func providerError(_ error: [String: JSONValue], redact: (String) -> String) -> ProviderError {
        let message = redact(error["message"]?.stringValue ?? "plugin error")
        let data = error["data"]?.objectValue ?? [:]
        switch data["kind"]?.stringValue.flatMap(ErrorClass.init(rawValue:)) {
        case .unauthorized: return .unauthorized(message)
        case .rateLimited: return .rateLimited(retryAfter: data["retry_after"]?.doubleValue)
        case .quotaExhausted: return .quotaExhausted(until: data["retry_after"]?.doubleValue.map { Date().addingTimeInterval($0) })
        case .timeout: return .timeout
        case .badResponse: return .badResponse(message)
        case .badRequest: return .badRequest(message)
        case .misconfigured: return .misconfigured(message)
        default: return .unavailable(message)
        }
    }

    private func exited(generation: Int, status: Int32) {
        let pending = state.withLock { state -> [CheckedContinuation<JSONValue, any Error>] in
            guard generation == state.generation else { return [] }
            state.process?.closePipes()
            state.exited = true
            state.process = nil
            if !state.stopping {
                state.crashes += 1
                state.restartAt = ContinuousClock.now + Self.backoff(state.crashes)
            }
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        if !pending.isEmpty || status != 0 {
            logger.warning("plugin process exited", metadata: ["plugin": "\(name)", "status": "\(status)"])
        }
        for continuation in pending { continuation.resume(throwing: ProviderError.unavailable("plugin \(name) exited with status \(status)")) }
    }

    /// Forgets a successful start, so the crash backoff starts from one second again.
    func markHealthy() {
        state.withLock { $0.crashes = 0 }
    }

    /// Kills the process at once (it stopped answering); the next use starts a new one.
    func kill() {
        state.withLock { state in
            if let process = state.process, !state.exited { process.signal(SIGKILL) }
        }
    }

    /// Asks the plugin to shut down, then SIGTERM, then SIGKILL; returns once it has exited.
    func stop() async {
        let process: ChildProcess? = state.withLock { state in
            guard !state.exited, let process = state.process else { return nil }
            state.stopping = true
            return process
        }
        guard let process else { return }
        // End of file after the request, once it is written (a plugin not reading gets SIGTERM below).
        process.write(ByteBuffer(string: #"{"jsonrpc":"2.0","method":"shutdown","id":0}"# + "\n")).whenComplete { _ in process.closeInput() }
        if await process.exited(within: 1) { return }
        process.signal(SIGTERM)
        if await process.exited(within: 2) { return }
        process.signal(SIGKILL)
        _ = await process.exited(within: 5)
    }

    /// The running process's id, for tests that check nothing is left behind.
    var processID: Int32? { state.withLock { $0.exited ? nil : $0.process?.pid } }

    private func redact(_ text: String) -> String {
        let text = redactor.redact(text)
        return text.count > 2_000 ? String(text.prefix(2_000)) + "…" : text
    }
}

/// Splits a byte stream into lines, dropping any line longer than a limit.
struct LineBuffer {
    private var pending = Data()
    private var discarding = false

    /// Adds bytes; returns the complete lines and how many over-long lines were dropped.
    mutating func append(_ data: Data, limit: Int) -> (lines: [Data], dropped: Int) {
        var lines: [Data] = []
        var dropped = 0
        var rest = data[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            if discarding {
                discarding = false
            } else if pending.count + (newline - rest.startIndex) > limit {
                dropped += 1
            } else {
                lines.append(pending + rest[rest.startIndex..<newline])
            }
            pending = Data()
            rest = rest[rest.index(after: newline)...]
        }
        if !discarding {
            pending.append(contentsOf: rest)
            if pending.count > limit {
                pending = Data()
                discarding = true
                dropped += 1
            }
        }
        return (lines, dropped)
    }
}
