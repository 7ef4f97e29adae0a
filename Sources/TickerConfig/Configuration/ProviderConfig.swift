import TickerCore

/// The settings of one provider instance, after layering and `${VAR}` interpolation.
public struct ProviderConfig: Sendable, Equatable {
    /// The instance id (the key in `plugins`).
    public var name: String
    /// `config.name`: the human-readable name the original AI-Ticker's entries carry; guide-style
    /// plugins see it as `ProviderConfig.name`.
    public var displayName: String?
    /// Secret; never logged, never returned by the API.
    public var apiKey: String?
    public var baseURL: String?
    public var model: String?
    /// Per-attempt timeout in seconds.
    public var timeout: Double
    public var maxTokens: Int
    public var temperature: Double
    public var extraParams: [String: JSONValue]
    public var extraHeaders: [String: String]
    /// `config.backend`: the backend an `llm-backend` entry runs.
    public var backend: String?
    /// `config.options`: what an `llm` entry passes to its model, as `llm -o NAME VALUE` would.
    public var options: [String: JSONValue] = [:]

    public init(
        name: String, displayName: String? = nil, apiKey: String? = nil, baseURL: String? = nil, model: String? = nil,
        timeout: Double = 30, maxTokens: Int = 512, temperature: Double = 0.7,
        extraParams: [String: JSONValue] = [:], extraHeaders: [String: String] = [:]
    ) {
        self.name = name
        self.displayName = displayName
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.model = model
        self.timeout = timeout
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.extraParams = extraParams
        self.extraHeaders = extraHeaders
    }
}
