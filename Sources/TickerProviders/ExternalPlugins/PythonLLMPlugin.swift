import Foundation
import TickerConfig

/// The two Python plug-in systems besides the original AI-Ticker's, run by ai-ticker's Python host
/// in the interpreter of `global_settings.python` (`plugins.llm.python` / `plugins.llm-backend.python`):
/// - `llm-backend`: packages written to the backend plug-in guide in the seeds, found by their
///   `llm.plugins` entry point; the host provides `llm.backends.plugin_sdk` and runs the
///   backend the entry names (`config.backend`) with its `config.model`.
/// - `llm`: any model Simon Willison's `llm` library knows (`config.model`, a model id or alias),
///   with `config.options` as `llm -o` would pass them and the key from the entry or from `llm`'s
///   own key store.
struct PythonLLMPlugin: AIProviderPlugin {
    enum Kind: String, Sendable {
        case backend = "llm-backend"
        case model = "llm"
    }

    let kind: Kind
    /// The program to run and the variables it sees.
    let interpreter: String
    let environment: [String: String]

    var metadata: PluginMetadata {
        switch kind {
        case .backend:
            PluginMetadata(name: kind.rawValue, displayName: "llm backend plug-ins", version: "1.0.0", author: "ai-ticker",
                           description: "Backends that pip packages register through llm.backends.plugin_sdk (entry point group llm.plugins).",
                           requires: ["a package with an llm.plugins entry point"], supportedFeatures: ["run"])
        case .model:
            PluginMetadata(name: kind.rawValue, displayName: "llm models", version: "1.0.0", author: "ai-ticker",
                           description: "Every model Simon Willison's llm library and its plug-ins offer (llm models).",
                           requires: ["llm"], supportedFeatures: ["system_prompt", "options", "usage"], homepage: "https://llm.datasette.io")
        }
    }

    func validate(_ config: ProviderConfig) throws {
        switch kind {
        case .backend where (config.backend ?? "").isEmpty:
            throw ProviderError.misconfigured("config.backend names no backend (the name its package registers)")
        case .model where (config.model ?? "").isEmpty:
            throw ProviderError.misconfigured("config.model names no model (`llm models` lists them)")
        default:
            break
        }
    }

    func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        guard PythonHost.locate(interpreter, environment: environment) != nil else {
            return UnavailableProvider(providerName: config.name, reason: "Python interpreter \"\(interpreter)\" not found (global_settings.python)")
        }
        return ExternalProvider(launch: launch, config: config, logger: context.logger)
    }

    var launch: PluginLaunch {
        let program = PythonHost.locate(interpreter, environment: environment) ?? interpreter
        var environment = PythonHost.environment(environment)
        // Where `llm` keeps its keys and settings, when not under HOME.
        if let store = self.environment["LLM_USER_PATH"] { environment["LLM_USER_PATH"] = store }
        return PluginLaunch(name: kind.rawValue, command: [program, "-c", PythonHost.loader, kind.rawValue, "-"],
                            directory: FileManager.default.temporaryDirectory, environment: environment, models: [], watchesFiles: false)
    }

    var launchFingerprint: String? { launch.fingerprint }

    /// Fills `listing` with what the environment offers (model ids, or backend names), or why it
    /// cannot tell; `pending` while that is being found out.
    func list(into listing: inout PluginListing, descriptions: PythonDescriptions, timeout: Double) {
        let found = descriptions.description(path: FileManager.default.temporaryDirectory.appendingPathComponent(kind.rawValue), interpreter: interpreter,
                                             environment: environment, timeout: timeout, mode: "describe-\(kind.rawValue)")
        listing.interpreter = found.interpreter
        switch found.outcome {
        case .loaded(_, let metadata):
            if case .array(let items) = metadata["models"] ?? .null { listing.models = items.compactMap(\.stringValue) }
            if case .array(let problems) = metadata["problems"] ?? .null { listing.errors = problems.compactMap(\.stringValue) }
        case .invalid(let reason), .unavailable(let reason):
            (listing.status, listing.errors) = ("unavailable", [reason])
        case .pending:
            (listing.status, listing.errors) = ("pending", [PythonDescriptions.pendingReason(kind.rawValue)])
        }
    }
}
