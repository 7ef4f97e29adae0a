import Foundation
import Glibc
import NIOCore
import Synchronization
import TickerConfig
import TickerCore

/// A plugin written for the original AI-Ticker's plugin guide: a `.py` file or package directory
/// defining a `BaseAIProvider` subclass. ai-ticker's Python host (standard library only,
/// compiled into the binary) provides `plugins.base_provider`, loads it and speaks the external
/// plugin protocol on its behalf, so the plugin runs unchanged.
struct PythonPlugin: AIProviderPlugin {
    /// What loading the plugin in its interpreter found out.
    struct Description: Sendable {
        enum Outcome: Sendable {
            case loaded(provider: String, metadata: [String: JSONValue])
            /// The plugin itself is wrong (no provider class, abstract methods left).
            case invalid(String)
            /// It cannot load here: a module it imports is missing, the interpreter is absent.
            case unavailable(String)
            /// Its listing runs in the background; a reload follows when it ends.
            case pending
        }
        var outcome: Outcome
        /// The interpreter's path as Python reports it.
        var interpreter: String?
        /// Listed again on the next reload even when the file is unchanged: a module may have
        /// been installed since. A plugin that overran the deadline is not.
        var retried = false
    }

    let name: String
    /// The `.py` file or the package directory.
    let path: URL
    /// The program to run (`global_settings.python` or `plugins.<name>.python`).
    let interpreter: String
    let environment: [String: String]
    let description: Description

    init(name: String, path: URL, interpreter: String, environment: [String: String], loadTimeout: Double, descriptions: PythonDescriptions) {
        self.name = name
        self.path = path
        self.interpreter = interpreter
        self.environment = environment
        description = descriptions.description(path: path, interpreter: interpreter, environment: environment, timeout: loadTimeout)
    }

    var loaded: Bool { if case .loaded = description.outcome { true } else { false } }

    /// The provider class in snake case (`MyCustomProvider` → `my_custom_provider`).
    var classAlias: String? {
        guard case .loaded(let provider, _) = description.outcome else { return nil }
        var alias = ""
        for character in provider {
            if character.isUppercase, !alias.isEmpty, alias.last != "_" { alias.append("_") }
            alias.append(Character(character.lowercased()))
        }
        return alias
    }
    var isInvalid: Bool { if case .invalid = description.outcome { true } else { false } }

    /// The guide's metadata fields, with the defaults of its `AIProviderPlugin`.
    var metadata: PluginMetadata {
        guard case .loaded(_, let fields) = description.outcome else {
            return PluginMetadata(name: name, displayName: name, version: "0.0.0", author: "Unknown", description: "Custom AI Provider", category: .custom)
        }
        let text = { (key: String) in fields[key]?.stringValue }
        let list = { (key: String) -> [String] in if case .array(let items) = fields[key] ?? .null { items.compactMap(\.stringValue) } else { [] } }
        return PluginMetadata(
            name: name, displayName: text("name") ?? name, version: text("version") ?? "1.0.0", author: text("author") ?? "Unknown",
            description: text("description") ?? "Custom AI Provider", requires: list("requires"),
            category: text("category").flatMap(PluginCategory.init(rawValue:)) ?? .custom, apiVersion: text("api_version") ?? "v1",
            supportedFeatures: list("supported_features"), homepage: text("homepage"), documentation: text("documentation"), license: text("license")
        )
    }

    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        switch description.outcome {
        case .invalid(let reason), .unavailable(let reason):
            return UnavailableProvider(providerName: name, reason: reason)
        case .pending:
            return UnavailableProvider(providerName: name, reason: PythonDescriptions.pendingReason(name), pending: true)
        case .loaded:
            return ExternalProvider(launch: launch, config: config, logger: context.logger)
        }
    }

    /// How the host runs this plugin.
    var launch: PluginLaunch {
        let program = PythonHost.locate(interpreter, environment: environment) ?? interpreter
        return PluginLaunch(
            name: name, command: [program] + PythonHost.arguments(mode: "serve", path: path), directory: path.deletingLastPathComponent(),
            environment: PythonHost.environment(environment), models: [])
    }

    var launchFingerprint: String? { launch.fingerprint }
}

/// What listing each Python plugin found, by interpreter, path and modification time, so a reload
/// lists only the files that changed. A listing is a child process under the same discipline as
/// a plugin's (`ChildProcess`: its own group, default signals, the `plugin_timeout` deadline,
/// then the group killed); it runs in the background, never on the caller's thread: an unknown
/// file is `pending` until its listing ends, and `settle()` waits for that.
package final class PythonDescriptions: Sendable {
    private struct State {
        var known: [String: PythonPlugin.Description] = [:]
        var running: [String: Task<Void, Never>] = [:]
        var stopped = false
    }
    private let state = Mutex(State())
    /// False: nothing is listed, every file stays `pending`.
    private let lists: Bool

    init(lists: Bool = true) {
        self.lists = lists
    }

    static func pendingReason(_ name: String) -> String {
        "plugin \(name) is being listed; its providers start when that ends (at most global_settings.plugin_timeout)"
    }

    /// The known description, or `pending` with its listing started.
    /// `mode`: `describe` for a plugin file; `describe-llm` or `describe-llm-backend` for what the
    /// interpreter's environment offers to those kinds (`path` then only names the working directory).
    func description(path: URL, interpreter: String, environment: [String: String], timeout: Double, mode: String = "describe") -> PythonPlugin.Description {
        let key = "\(interpreter)\u{0}\(mode)\u{0}\(path.path)\u{0}\(Self.modified(path))"
        return state.withLock { state in
            if let known = state.known[key] { return known }
            if state.running[key] == nil, !state.stopped, lists {
                state.running[key] = Task.detached {
                    let found = await PythonHost.describe(path: path, interpreter: interpreter, environment: environment, timeout: timeout, mode: mode)
                    self.state.withLock { state in
                        state.running[key] = nil
                        if !Task.isCancelled { state.known[key] = found }
                    }
                }
            }
            return PythonPlugin.Description(outcome: .pending)
        }
    }

    /// Whether the service is stopping, so no listing starts.
    package var stopped: Bool { state.withLock { $0.stopped } }

    /// Whether a listing is under way.
    var listing: Bool { state.withLock { !$0.running.isEmpty } }

    /// Waits until no listing is under way (each ends by its deadline).
    package func settle() async {
        while let next = state.withLock({ $0.running.values.first }) {
            await next.value
        }
    }

    /// Forgets the failures worth another try, before a reload someone asked for.
    package func forgetRetried() {
        state.withLock { $0.known = $0.known.filter { !$0.value.retried } }
    }

    /// Ends every listing under way (its process group killed) and starts no more: the service stops.
    package func stop() {
        state.withLock { state in
            state.stopped = true
            return Array(state.running.values)
        }.forEach { $0.cancel() }
    }

    /// The newest modification time of the file, or of a package's own files.
    private static func modified(_ url: URL) -> Double {
        let fileManager = FileManager.default
        let files = [url.path] + ((try? fileManager.contentsOfDirectory(atPath: url.path)) ?? []).map { url.appendingPathComponent($0).path }
        return files.compactMap { (try? fileManager.attributesOfItem(atPath: $0))?[.modificationDate] as? Date }
            .map(\.timeIntervalSince1970).max() ?? 0
    }
}

/// A provider that cannot start, and says why whenever it is asked.
struct UnavailableProvider: AIProvider {
    let providerName: String
    let reason: String
    /// Unavailable only until a background listing ends.
    var pending = false

    var supportedModels: [String] { [] }
    func initialize() async throws { throw ProviderError.unavailable(reason) }
    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse { throw ProviderError.unavailable(reason) }
    func healthCheck() async -> HealthCheckResult { HealthCheckResult(healthy: false, detail: reason) }
    func shutdown() async {}
}

/// Starting the Python host: the script travels in an environment variable, so nothing is
/// written to disk and the single-binary install stays one file.
enum PythonHost {
    static let variable = "AI_TICKER_PYTHON_HOST"
    static let source = String(decoding: PackageResources.python_host_py, as: UTF8.self)
    /// Runs the script from the variable (and removes it, so the plugin's own children never see it).
    static let loader = #"import os;exec(compile(os.environ.pop("\#(variable)"),"ai-ticker-python-host","exec"))"#

    static func arguments(mode: String, path: URL) -> [String] {
        ["-c", loader, mode, path.path]
    }

    static func environment(_ base: [String: String]) -> [String: String] {
        var environment = PluginLaunch.childEnvironment(base)
        environment[variable] = source
        environment["PYTHONIOENCODING"] = "utf-8"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment
    }

    /// The interpreter's full path: a path as given (relative to the working directory), a bare
    /// name looked up on `PATH`; nil when there is no such program.
    static func locate(_ program: String, environment: [String: String]) -> String? {
        let fileManager = FileManager.default
        if program.contains("/") {
            let path = URL(fileURLWithPath: program).path
            return fileManager.isExecutableFile(atPath: path) ? path : nil
        }
        let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(program)" }.first { fileManager.isExecutableFile(atPath: $0) }
    }

    /// Bytes of a listing's output kept (its last line describes the plugin).
    static let listingOutputLimit = 1 << 20

    /// Loads the plugin once in a short-lived host (stdin at end of file, stderr discarded) to
    /// learn its metadata, or why it cannot load. Once the describing line is in, the host has a
    /// second to exit; at `timeout` (or on cancellation) its whole group is killed. What it left
    /// holding the pipe is never waited for.
    static func describe(path: URL, interpreter: String, environment: [String: String], timeout: Double,
                         mode: String = "describe") async -> PythonPlugin.Description {
        guard let program = locate(interpreter, environment: environment) else {
            return .init(outcome: .unavailable("Python interpreter \"\(interpreter)\" not found\(interpreter.contains("/") ? "" : " on PATH") (global_settings.python)"),
                         retried: true)
        }
        let output = Mutex((bytes: Data(), lineAt: ContinuousClock.Instant?.none))
        let child: ChildProcess
        do {
            child = try await ChildProcess.start(command: [program] + arguments(mode: mode, path: path), directory: path.deletingLastPathComponent(),
                                                 environment: Self.environment(environment)) { bytes, stderr in
                guard !stderr else { return }
                output.withLock { output in
                    output.bytes.append(contentsOf: bytes.readableBytesView)
                    if output.bytes.count > listingOutputLimit { output.bytes = output.bytes.suffix(listingOutputLimit / 2) }
                    if output.lineAt == nil, output.bytes.contains(UInt8(ascii: "\n")) { output.lineAt = .now }
                }
            }
        } catch {
            return .init(outcome: .unavailable("cannot run \(program): \(error)"), interpreter: program, retried: true)
        }
        child.closeInput()
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1_000))
        var exited = false
        await withTaskCancellationHandler {
            while !Task.isCancelled, ContinuousClock.now < deadline {
                if await child.exited(within: 0.05) {
                    exited = true
                    break
                }
                if let lineAt = output.withLock({ $0.lineAt }), ContinuousClock.now - lineAt > .seconds(1) { break }
            }
        } onCancel: {
            child.signal(SIGKILL)
        }
        if !exited {
            child.signal(SIGKILL)
            _ = await child.exited(within: 5)
        }
        // The describing line written just before the exit may still be on its way from the pipe.
        for _ in 0..<25 where exited && output.withLock({ $0.lineAt == nil }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        child.closePipes()
        let data = output.withLock { $0.bytes }
        guard let line = data.split(separator: UInt8(ascii: "\n")).last, let reply = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
            if !exited, !Task.isCancelled {
                return .init(outcome: .unavailable("loading took longer than \(Int(timeout)) s (global_settings.plugin_timeout) and was stopped; python at \(program)"),
                             interpreter: program)
            }
            let status = child.status.map { "exited with status \($0)" } ?? "was stopped"
            return .init(outcome: .unavailable("the Python host \(status) without describing the plugin; python at \(program)"), interpreter: program, retried: true)
        }
        let python = reply[key: "python"]?.stringValue ?? program
        if reply[key: "ok"]?.boolValue == true {
            return .init(outcome: .loaded(provider: reply[key: "provider_class"]?.stringValue ?? "?", metadata: reply[key: "metadata"]?.objectValue ?? [:]),
                         interpreter: python, retried: mode != "describe")
        }
        let error = reply[key: "error"]?.stringValue ?? "cannot load"
        // What an environment offers may change with any package installed: listed again on reload.
        let misconfigured = reply[key: "kind"]?.stringValue == "misconfigured" && mode == "describe"
        return .init(outcome: misconfigured ? .invalid(error) : .unavailable(error), interpreter: python, retried: !misconfigured)
    }
}
