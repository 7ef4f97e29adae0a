import Foundation
import Synchronization
import TickerConfig
import TickerCore

/// Built-in plugin for demos and tests: scripted content, latency and failures.
///
/// Settings, all under `config.extra_params`:
/// - `content` (string): the reply; `{n}` becomes a running counter and `{uuid}` a random UUID.
///   Without it, the mock deals the offline corpus's lines in order, so its replies pass the
///   default de-duplication tick after tick (useful as a demo fallback).
/// - `latency_ms` (number, 0): delay before answering.
/// - `failure` (string, none): error class to fail with: `unauthorized`, `rate_limited`,
///   `quota_exhausted`, `unavailable`, `timeout`, `bad_response`, `hang` (never answers) or
///   `empty` (answers with empty content).
/// - `failure_rate` (number 0–1, 1 when `failure` is set): share of calls that fail.
/// - `retry_after` (number, seconds): hint carried by `rate_limited`.
/// - `healthy` (bool, true): what health checks report.
public struct MockPlugin: AIProviderPlugin {
    public init() {}

    public let metadata = PluginMetadata(
        name: "mock", displayName: "Mock provider", version: "1.0.0", author: "ai-ticker",
        description: "Scripted replies, latency and failures for tests and demos; no network.",
        supportedFeatures: ["testing", "failure_injection"], license: "MIT"
    )

    static let failureKinds: Set<String> = [
        "unauthorized", "rate_limited", "quota_exhausted", "unavailable", "timeout", "bad_response", "hang", "empty",
    ]

    public func validate(_ config: ProviderConfig) throws { _ = try failure(config.extraParams) }

    public func makeProvider(config: ProviderConfig, context: ProviderContext) throws -> any AIProvider {
        let params = config.extraParams
        let (failure, rate) = try failure(params)
        return MockProvider(
            model: config.model ?? "mock-1",
            content: params["content"]?.stringValue,
            latency: (params["latency_ms"]?.doubleValue ?? 0) / 1000,
            failure: failure, failureRate: rate,
            retryAfter: params["retry_after"]?.doubleValue,
            healthy: params["healthy"]?.boolValue ?? true
        )
    }

    private func failure(_ params: [String: JSONValue]) throws -> (kind: String?, rate: Double) {
        let failure = params["failure"]?.stringValue
        if let failure, !Self.failureKinds.contains(failure) {
            throw ProviderError.misconfigured("extra_params.failure: unknown kind \"\(failure)\"; expected one of \(Self.failureKinds.sorted().joined(separator: ", "))")
        }
        let rate = params["failure_rate"]?.doubleValue ?? (failure == nil ? 0 : 1)
        guard (0...1).contains(rate) else {
            throw ProviderError.misconfigured("extra_params.failure_rate: \(rate) is outside 0–1")
        }
        return (failure, rate)
    }
}

final class MockProvider: AIProvider {
    let providerName = "mock"
    let model: String
    let content: String?
    let latency: Double
    let failure: String?
    let failureRate: Double
    let retryAfter: Double?
    let healthy: Bool
    private let counter = Mutex(0)

    init(model: String, content: String?, latency: Double, failure: String?, failureRate: Double, retryAfter: Double?, healthy: Bool) {
        self.model = model
        self.content = content
        self.latency = latency
        self.failure = failure
        self.failureRate = failureRate
        self.retryAfter = retryAfter
        self.healthy = healthy
    }

    var supportedModels: [String] { [model] }

    func initialize() async throws {}

    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse {
        let n = counter.withLock { value in
            value += 1
            return value
        }
        if latency > 0 { try await Task.sleep(for: .milliseconds(Int(latency * 1000))) }
        var text = content.map { $0.replacingOccurrences(of: "{n}", with: String(n)).replacingOccurrences(of: "{uuid}", with: UUID().uuidString) }
            ?? OfflineCorpus.messages[(n - 1) % OfflineCorpus.messages.count]
        if let failure, Double.random(in: 0..<1) < failureRate {
            switch failure {
            case "unauthorized": throw ProviderError.unauthorized("mock says the key is wrong")
            case "rate_limited": throw ProviderError.rateLimited(retryAfter: retryAfter)
            case "quota_exhausted": throw ProviderError.quotaExhausted(until: nil)
            case "timeout": throw ProviderError.timeout
            case "bad_response": throw ProviderError.badResponse("mock returned garbage")
            case "hang": try await Task.sleep(for: .seconds(86_400))
            case "empty": text = ""
            default: throw ProviderError.unavailable("mock is down")
            }
        }
        return AIResponse(
            content: text, providerName: providerName, model: model,
            usage: Usage(promptTokens: 10, completionTokens: text.split(separator: " ").count),
            metadata: ResponseMetadata(responseID: "mock-\(n)", created: Int(Date().timeIntervalSince1970), finishReason: "stop")
        )
    }

    func healthCheck() async -> HealthCheckResult {
        HealthCheckResult(healthy: healthy, latencyMs: 0, detail: healthy ? nil : "mock configured unhealthy")
    }

    func shutdown() async {}
}
