import Foundation
import Logging
import Synchronization
import TickerConfig
import TickerCore

/// A plugin found on disk: a manifest and a directory whose command speaks JSON-RPC on stdio.
struct ExternalPlugin: AIProviderPlugin {
    let manifest: PluginManifest
    let directory: URL

    var metadata: PluginMetadata { manifest.metadata }

    /// Variables in `requires` that look like environment names hold the key when `api_key` is null.
    var apiKeyVariables: [String] {
        manifest.metadata.requires.filter { $0.hasSuffix("_API_KEY") }
    }

    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        ExternalProvider(launch: launch, config: config, logger: context.logger)
    }

    var launchFingerprint: String? { launch.fingerprint }

    var launch: PluginLaunch {
        let required = manifest.metadata.requires.filter { $0.range(of: #"^[A-Z][A-Z0-9_]*$"#, options: .regularExpression) != nil }
        return PluginLaunch(name: manifest.metadata.name, command: manifest.command, directory: directory,
                            environment: PluginLaunch.childEnvironment(ProcessInfo.processInfo.environment, adding: required),
                            models: manifest.supportedModels)
    }
}

/// How to start a plugin process and talk to it: the same for manifest plugins and for the
/// Python host that runs guide-style plugins.
struct PluginLaunch: Sendable {
    let name: String
    /// The argv, looked up on `PATH` and run from `directory`.
    let command: [String]
    let directory: URL
    let environment: [String: String]
    let models: [String]
    /// Taken when the launch is made: it changes when anything that would make a new process
    /// behave differently changes (the command, directory, environment, or a file in
    /// the directory, two levels deep). A reload restarts an external plugin only when it differs.
    let fingerprint: String

    /// `watchesFiles: false` for a process whose directory is not its own (the files there are
    /// not what it runs).
    init(name: String, command: [String], directory: URL, environment: [String: String], models: [String], watchesFiles: Bool = true) {
        self.name = name
        self.command = command
        self.directory = directory
        self.environment = environment
        self.models = models
        fingerprint = Self.fingerprint(command: command, directory: directory, environment: environment, files: watchesFiles)
    }

    private static func fingerprint(command: [String], directory: URL, environment: [String: String], files watched: Bool) -> String {
        var newest = Date.distantPast
        if watched, let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.contentModificationDateKey]) {
            for case let file as URL in files where files.level <= 2 {
                if let date = try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate, date > newest { newest = date }
            }
        }
        return [command.joined(separator: "\u{0}"), directory.path, environment.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: "\u{0}"),
                String(newest.timeIntervalSince1970)].joined(separator: "\u{1}")
    }

    /// What a child process sees: a small, fixed environment plus the variables named in
    /// `adding`; never the whole environment with every other provider's keys.
    static func childEnvironment(_ environment: [String: String], adding: [String] = []) -> [String: String] {
        let names = Set(["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "SSL_CERT_FILE", "SSL_CERT_DIR",
                         "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"] + adding)
        var child = environment.filter { names.contains($0.key) }
        child["PATH"] = child["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        child["PYTHONUNBUFFERED"] = "1"
        return child
    }
}

/// An `AIProvider` backed by a plugin process. Every call first makes sure the process runs and
/// has been initialized (again, after a crash).
final class ExternalProvider: AIProvider {
    let launch: PluginLaunch
    let config: ProviderConfig
    let process: PluginProcess
    private let state: Mutex<(name: String, models: [String], info: [String: JSONValue]?, ready: (generation: Int, task: Task<Void, any Error>)?)>

    init(launch: PluginLaunch, config: ProviderConfig, logger: Logger) {
        self.launch = launch
        self.config = config
        self.process = PluginProcess(launch: launch, logger: logger, secrets: [config.apiKey].compactMap { $0 } + config.extraHeaders.values)
        state = Mutex((launch.name, [config.model].compactMap { $0 } + launch.models, nil, nil))
    }

    var providerName: String { state.withLock { $0.name } }
    var supportedModels: [String] { state.withLock { $0.models } }
    var info: [String: JSONValue]? { state.withLock { $0.info } }
    var launchFingerprint: String? { launch.fingerprint }

    func initialize() async throws {
        try await ready()
    }

    /// Starts the process if needed and runs `initialize` once per process. Like every call, it
    /// is bounded by its caller (the router's start and health timeouts, the tick's attempt
    /// timeout): a caller that gives up cancels the handshake, which stops the process.
    func ready() async throws {
        let generation = try await process.startIfNeeded()
        let task = state.withLock { state -> Task<Void, any Error> in
            if let ready = state.ready, ready.generation == generation { return ready.task }
            let task = Task { try await self.handshake() }
            state.ready = (generation, task)
            return task
        }
        do {
            try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch {
            state.withLock { $0.ready = nil }
            process.kill()
            throw error
        }
    }

    private func handshake() async throws {
        var settings: [String: JSONValue] = [
            "name": .string(config.displayName ?? config.name), "id": .string(config.name), "timeout": .number(config.timeout), "max_tokens": .number(Double(config.maxTokens)),
            "temperature": .number(config.temperature), "extra_params": .object(config.extraParams),
            "extra_headers": .object(config.extraHeaders.mapValues(JSONValue.string)),
        ]
        settings["api_key"] = config.apiKey.map(JSONValue.string)
        settings["base_url"] = config.baseURL.map(JSONValue.string)
        settings["model"] = config.model.map(JSONValue.string)
        settings["backend"] = config.backend.map(JSONValue.string)
        if !config.options.isEmpty { settings["options"] = .object(config.options) }
        let result = try await process.call("initialize", params: .object(["config": .object(settings)]))
        let name = result[key: "provider_name"]?.stringValue
        let models: [String]? = if case .array(let items) = result[key: "supported_models"] ?? .null { items.compactMap(\.stringValue) } else { nil }
        state.withLock { state in
            if let name, !name.isEmpty { state.name = name }
            if let models, !models.isEmpty { state.models = models }
            state.info = result[key: "info"]?.objectValue
        }
    }

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        try await ready()
        let result = try await process.call("generate_message", params: .object([
            "system_prompt": .string(systemPrompt), "user_prompt": .string(userPrompt),
        ]))
        guard let content = result[key: "content"]?.stringValue else {
            throw ProviderError.badResponse("generate_message result has no string \"content\"")
        }
        process.markHealthy()
        let usage = result[key: "usage"]?.objectValue ?? [:]
        let metadata = result[key: "metadata"]?.objectValue ?? [:]
        let prompt = Int(usage["prompt_tokens"]?.doubleValue ?? 0), completion = Int(usage["completion_tokens"]?.doubleValue ?? 0)
        return AIResponse(
            content: content, providerName: providerName, model: result[key: "model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? config.model ?? launch.name,
            usage: Usage(promptTokens: prompt, completionTokens: completion, totalTokens: usage["total_tokens"]?.doubleValue.map { Int($0) }),
            metadata: ResponseMetadata(responseID: metadata["response_id"]?.stringValue, created: metadata["created"]?.doubleValue.map { Int($0) },
                                       finishReason: metadata["finish_reason"]?.stringValue)
        )
    }

    func healthCheck() async -> HealthCheckResult {
        let start = ContinuousClock.now
        do {
            try await ready()
            let result = try await process.call("health_check", params: .object([:]))
            let latency = start.duration(to: .now).milliseconds
            return HealthCheckResult(healthy: result[key: "healthy"]?.boolValue ?? false, latencyMs: latency, detail: result[key: "detail"]?.stringValue)
        } catch {
            return HealthCheckResult(healthy: false, detail: (error as? ProviderError)?.message ?? "health check failed")
        }
    }

    func shutdown() async {
        await process.stop()
    }
}

extension JSONValue {
    /// The value under `key` of an object, or nil.
    subscript(key key: String) -> JSONValue? { objectValue?[key] }
}
