import CoreMetrics
import Foundation
import Prometheus
import Synchronization
import TickerCore
import TickerProviders

/// The service's metrics, recorded through swift-metrics into one Prometheus registry per
/// application (no global bootstrap, so tests can build many applications in one process).
public struct TickerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Request counters by route, method and status, made once: this runs on every request.
    private let requestCounters = RequestCounters()

    final class RequestCounters: Sendable {
        let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    func tick(channel: String, outcome: TickRecord.Outcome) {
        Counter(label: "ai_ticker_ticks_total", dimensions: [("channel", channel), ("outcome", outcome.rawValue)], factory: factory).increment()
        if outcome == .stored {
            Gauge(label: "ai_ticker_last_success_timestamp_seconds", dimensions: [("channel", channel)], factory: factory)
                .record(Date().timeIntervalSince1970)
        }
    }

    /// A timer firing that passed because nobody could lead (the shared database unreachable).
    func tickPaused() {
        Counter(label: "ai_ticker_ticks_paused_total", factory: factory).increment()
    }

    /// One provider attempt; `outcome`: success or an error class.
    func generation(provider: String, outcome: String, seconds: Double) {
        Counter(label: "ai_ticker_generations_total", dimensions: [("provider", provider), ("outcome", outcome)], factory: factory).increment()
        Timer(label: "ai_ticker_generation_duration_seconds", dimensions: [("provider", provider)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The tokens of a provider's answer, accepted or not, and what they cost (`cost`, in the
    /// prices' currency, when the entry has prices).
    func usage(provider: String, usage: Usage, cost: Double?) {
        for (kind, tokens) in [("input", usage.promptTokens), ("output", usage.completionTokens)] where tokens > 0 {
            Counter(label: "ai_ticker_tokens_total", dimensions: [("provider", provider), ("kind", kind)], factory: factory).increment(by: tokens)
        }
        if let cost {
            FloatingPointCounter(label: "ai_ticker_spend_total", dimensions: [("provider", provider)], factory: factory).increment(by: cost)
        }
    }

    /// What each provider spent since 00:00 UTC, every channel and instance together (from the
    /// database); 0 for the others of `providers`.
    func spendToday(_ spend: [String: Double], providers: [String]) {
        for provider in Set(providers).union(spend.keys) {
            Gauge(label: "ai_ticker_spend_today", dimensions: [("provider", provider)], factory: factory).record(spend[provider] ?? 0)
        }
    }

    /// A guardrail rule found something and did what its action says (block, redact, hold, log),
    /// or a person decided (approve, reject, retract; `rule` is the rule that held the message,
    /// `admin` for a retraction).
    package func guardrail(rule: String, action: String) {
        Counter(label: "ai_ticker_guardrail_decisions_total", dimensions: [("rule", rule), ("action", action)], factory: factory).increment()
    }

    package func httpRequest(route: String, method: String, status: Int) {
        httpRequestCounter(route: route, method: method, status: status).increment()
    }

    /// The counter `httpRequest` increments, for a caller that keeps it.
    package func httpRequestCounter(route: String, method: String, status: Int) -> CoreMetrics.Counter {
        let key = "\(route) \(method) \(status)"
        return requestCounters.counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "ai_ticker_http_requests_total",
                                  dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
    }

    package func providerHealth(_ statuses: [ProviderStatus]) {
        for status in statuses {
            Gauge(label: "ai_ticker_provider_healthy", dimensions: [("provider", status.id)], factory: factory)
                .record(status.available && status.health.status != .unhealthy ? 1 : 0)
            Gauge(label: "ai_ticker_provider_circuit_open", dimensions: [("provider", status.id)], factory: factory)
                .record(status.health.circuit == .closed ? 0 : 1)
        }
    }

    /// A refused admin request; `reason`: missing_token, wrong_token, origin, locked_out, no_token_configured.
    package func adminAuthFailure(reason: String) {
        Counter(label: "ai_ticker_admin_auth_failures_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A connection closed by the service; `reason`: idle_timeout, read_timeout.
    package func connectionClosed(reason: String) {
        Counter(label: "ai_ticker_connections_closed_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    package func openConnections(_ count: Int) {
        Gauge(label: "ai_ticker_open_connections", factory: factory).record(count)
    }

    package func connectionLimitReached() {
        Counter(label: "ai_ticker_connection_limit_reached_total", factory: factory).increment()
    }

    /// 1 while this instance leads (and so runs the ticks), 0 while it stands by.
    package func leader(_ leading: Bool) {
        Gauge(label: "ai_ticker_leader", factory: factory).record(leading ? 1 : 0)
    }

    package func streamClients(_ count: Int) {
        Gauge(label: "ai_ticker_stream_clients", factory: factory).record(count)
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
