import Foundation
import NIOHTTP1
import Synchronization
import TickerConfig
import TickerCore

/// How one vendor's API is spoken: the requests to build and how to read the answers.
protocol VendorDialect: Sendable {
    /// The `provider_name` stored with messages, e.g. `openai` or `anthropic`.
    var providerName: String { get }
    /// The chat request for one message.
    func generationRequest(_ config: ProviderConfig, model: String, system: String, user: String) throws -> VendorRequest
    /// Reads a 2xx answer; throws `ProviderError.badResponse` for empty, cut-off or blocked content.
    func parseGeneration(_ response: VendorResponse, http: VendorHTTP, model: String) throws -> AIResponse
    /// A request that costs no tokens (a model list), used as the health check.
    func healthRequest(_ config: ProviderConfig) -> VendorRequest
    /// Model ids from the health check's answer.
    func parseModels(_ data: Data) -> [String]
}

struct VendorRequest {
    var method: HTTPMethod = .POST
    var url: String
    var headers: [(String, String)]
    var body: Data?
}

/// An `AIProvider` for any HTTP vendor, driven by its dialect.
final class VendorProvider<Dialect: VendorDialect>: AIProvider {
    let dialect: Dialect
    let config: ProviderConfig
    let model: String
    let http: VendorHTTP
    private let models: Mutex<[String]>

    init(dialect: Dialect, config: ProviderConfig, model: String, context: ProviderContext) {
        self.dialect = dialect
        self.config = config
        self.model = model
        self.http = VendorHTTP(client: context.httpClient, secrets: [config.apiKey].compactMap { $0 })
        self.models = Mutex([model])
    }

    var providerName: String { dialect.providerName }

    var supportedModels: [String] { models.withLock { $0 } }

    func initialize() async throws {}

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        let request = try dialect.generationRequest(config, model: model, system: systemPrompt, user: userPrompt)
        let response = try await http.send(request.method, request.url, headers: request.headers + config.extraHeaders.map { ($0, $1) },
                                           json: request.body)
        guard (200..<300).contains(response.status) else { throw http.classify(response) }
        return try dialect.parseGeneration(response, http: http, model: model)
    }

    func healthCheck() async -> HealthCheckResult {
        let request = dialect.healthRequest(config)
        let start = ContinuousClock.now
        do {
            let response = try await http.send(request.method, request.url, headers: request.headers + config.extraHeaders.map { ($0, $1) })
            let latency = start.duration(to: .now).milliseconds
            guard (200..<300).contains(response.status) else {
                return HealthCheckResult(healthy: false, latencyMs: latency, detail: http.classify(response).message)
            }
            let listed = dialect.parseModels(response.body)
            if !listed.isEmpty {
                models.withLock { $0 = [model] + listed.filter { $0 != model } }
            }
            return HealthCheckResult(healthy: true, latencyMs: latency, detail: "\(listed.count) models")
        } catch {
            return HealthCheckResult(healthy: false, detail: (error as? ProviderError)?.message ?? "health check failed")
        }
    }

    func shutdown() async {}
}

extension VendorDialect {
    /// The JSON body: the dialect's fields with `extra_params` merged over them.
    func body(_ fields: [String: JSONValue], extra: [String: JSONValue]) throws -> Data {
        try JSONEncoder().encode(fields.merging(extra) { _, extra in extra })
    }

    /// `base` plus `path`, without doubled slashes.
    func url(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }
}

/// Checks a base URL at configuration time so a typo is reported before the first tick.
func validatedBaseURL(_ text: String?, default fallback: String?) throws -> String {
    guard let text = text ?? fallback, !text.isEmpty else { throw ProviderError.misconfigured("base_url is required") }
    guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
        throw ProviderError.misconfigured("base_url \"\(text)\" is not an http(s) URL")
    }
    return text
}
