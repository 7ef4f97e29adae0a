import Foundation
import Synchronization

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
        }
        var outcome: Outcome
        /// The interpreter's path as Python reports it.
        var interpreter: String?
    }

    let name: String
    /// The `.py` file or the package directory.
    let path: URL
    /// The program to run (`global_settings.python` or `plugins.<name>.python`).
    let interpreter: String
    let environment: [String: String]
    let description: Description

    init(name: String, path: URL, interpreter: String, environment: [String: String], loadTimeout: Double, descriptions: PythonDescriptions? = nil) {
        self.name = name
        self.path = path
        self.interpreter = interpreter
        self.environment = environment
        let load = { PythonHost.describe(path: path, interpreter: interpreter, environment: environment, timeout: loadTimeout) }
        description = descriptions?.description(path: path, interpreter: interpreter, load: load) ?? load()
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

/// Descriptions of the Python plugins that loaded, by interpreter, path and modification time, so
/// a reload with unchanged plugins starts no interpreter (each start blocks the loading thread
/// for a quarter of a second or more). Failures are never kept: installing a missing module and
/// reloading is enough.
final class PythonDescriptions: Sendable {
    private let entries = Mutex<[String: PythonPlugin.Description]>([:])

    func description(path: URL, interpreter: String, load: () -> PythonPlugin.Description) -> PythonPlugin.Description {
        let key = "\(interpreter)\u{0}\(path.path)\u{0}\(Self.modified(path))"
        if let known = entries.withLock({ $0[key] }) { return known }
        let found = load()
        if case .loaded = found.outcome { entries.withLock { $0[key] = found } }
        return found
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

    /// Loads the plugin once in a short-lived host (its output discarded) to learn its metadata,
    /// or why it cannot load; a plugin that takes longer than `timeout` to import is killed.
    static func describe(path: URL, interpreter: String, environment: [String: String], timeout: Double) -> PythonPlugin.Description {
        guard let program = locate(interpreter, environment: environment) else {
            return .init(outcome: .unavailable("Python interpreter \"\(interpreter)\" not found\(interpreter.contains("/") ? "" : " on PATH") (global_settings.python)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments(mode: "describe", path: path)
        process.currentDirectoryURL = path.deletingLastPathComponent()
        process.environment = Self.environment(environment)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            return .init(outcome: .unavailable("cannot run \(program): \(error.localizedDescription)"), interpreter: program)
        }
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            Glibc.kill(process.processIdentifier, SIGKILL)
            exited.wait()
            return .init(outcome: .unavailable("loading took longer than \(Int(timeout)) s (global_settings.plugin_timeout); python at \(program)"), interpreter: program)
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        guard let line = data.split(separator: UInt8(ascii: "\n")).last, let reply = try? JSONDecoder().decode(JSONValue.self, from: Data(line)) else {
            return .init(outcome: .unavailable("the Python host exited with status \(process.terminationStatus) without describing the plugin; python at \(program)"),
                         interpreter: program)
        }
        let python = reply[key: "python"]?.stringValue ?? program
        if reply[key: "ok"]?.boolValue == true {
            return .init(outcome: .loaded(provider: reply[key: "provider_class"]?.stringValue ?? "?", metadata: reply[key: "metadata"]?.objectValue ?? [:]),
                         interpreter: python)
        }
        let error = reply[key: "error"]?.stringValue ?? "cannot load"
        return .init(outcome: reply[key: "kind"]?.stringValue == "misconfigured" ? .invalid(error) : .unavailable(error), interpreter: python)
    }
}
