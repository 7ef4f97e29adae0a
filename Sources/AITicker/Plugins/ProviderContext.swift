import AsyncHTTPClient
import Logging

/// What a plugin's factory gets besides the settings: the process's one HTTP client and a logger.
public struct ProviderContext: Sendable {
    public let httpClient: HTTPClient
    public let logger: Logger

    public init(httpClient: HTTPClient, logger: Logger) {
        self.httpClient = httpClient
        self.logger = logger
    }
}
