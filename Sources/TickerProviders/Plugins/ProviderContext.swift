import AsyncHTTPClient
import Logging

/// What a plugin's factory gets besides the settings: the process's one HTTP client and a logger.
public struct ProviderContext: Sendable {
    public let httpClient: HTTPClient
    public let logger: Logger
    /// The contents of the newest stored messages (at most the given count), newest first, for
    /// providers that can avoid repeating themselves.
    public let recentMessages: @Sendable (Int) async -> [String]

    public init(httpClient: HTTPClient, logger: Logger, recentMessages: @escaping @Sendable (Int) async -> [String] = { _ in [] }) {
        self.httpClient = httpClient
        self.logger = logger
        self.recentMessages = recentMessages
    }
}
