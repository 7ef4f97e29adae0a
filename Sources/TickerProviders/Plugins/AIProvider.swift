import TickerCore

/// A configured, ready-to-call source of ticker messages (one instance of a plugin).
public protocol AIProvider: Sendable {
    /// The vendor or plugin name reported in stored messages.
    var providerName: String { get }
    /// Models this provider can serve; the configured one is first.
    var supportedModels: [String] { get async }
    /// Prepares connections or state; called once before the first call.
    func initialize() async throws
    /// Asks for one message; throws a `ProviderError` that says what went wrong.
    func generateMessage(systemPrompt: String, userPrompt: String) async throws -> AIResponse
    /// Checks reachability without spending tokens.
    func healthCheck() async -> HealthCheckResult
    /// Releases what `initialize()` acquired.
    func shutdown() async
    /// What the provider says about itself (a guide-style plugin's `get_info()`), shown in
    /// `GET /api/providers`; nil for most.
    var info: [String: JSONValue]? { get }
    /// The `AIProviderPlugin.launchFingerprint` of the process this provider runs; nil when it
    /// runs none.
    var launchFingerprint: String? { get }
}

extension AIProvider {
    public var info: [String: JSONValue]? { nil }
    public var launchFingerprint: String? { nil }
}

/// Vendor bookkeeping attached to a response.
public struct ResponseMetadata: Codable, Sendable, Equatable {
    public var responseID: String?
    public var created: Int?
    public var finishReason: String?

    public init(responseID: String? = nil, created: Int? = nil, finishReason: String? = nil) {
        self.responseID = responseID
        self.created = created
        self.finishReason = finishReason
    }

    enum CodingKeys: String, CodingKey {
        case responseID = "response_id", created, finishReason = "finish_reason"
    }
}

/// What a provider returns for one generation request.
public struct AIResponse: Codable, Sendable, Equatable {
    public var content: String
    public var providerName: String
    public var model: String
    public var usage: Usage
    public var metadata: ResponseMetadata

    public init(content: String, providerName: String, model: String, usage: Usage = Usage(),
                metadata: ResponseMetadata = ResponseMetadata()) {
        self.content = content
        self.providerName = providerName
        self.model = model
        self.usage = usage
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case content, providerName = "provider_name", model, usage, metadata
    }
}
