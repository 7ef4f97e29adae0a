/// Every `error.code` the API answers with; the contract (`openapi.json`, the `Error` schema)
/// lists the same values, which a test compares.
package enum ErrorCode: String, CaseIterable, Sendable {
    case badRequest = "bad_request"
    case notFound = "not_found"
    case methodNotAllowed = "method_not_allowed"
    case payloadTooLarge = "payload_too_large"
    case unsupportedMediaType = "unsupported_media_type"
    /// A `Host` the service does not answer for (`server.allowed_hosts`).
    case hostNotAllowed = "host_not_allowed"
    /// A browser's admin request from another origin.
    case forbiddenOrigin = "forbidden_origin"
    case unauthorized
    case tooManyFailures = "too_many_failures"
    case rateLimited = "rate_limited"
    case tooManyStreams = "too_many_streams"
    case invalidConfiguration = "invalid_configuration"
    case storageUnavailable = "storage_unavailable"
    case allProvidersFailed = "all_providers_failed"
    /// No provider could be asked (none configured and enabled, or none started).
    case noProvider = "no_provider"
    case tickInProgress = "tick_in_progress"
    /// This instance stands by; the leader ticks.
    case standby
    case internalError = "internal_error"
    /// Refused before any route, and the connection closed (`GuardedHTTP1Channel`).
    case badHost = "bad_host"
    case upgradeRefused = "upgrade_refused"
    case tooManyConnections = "too_many_connections"
    /// A channel route names no channel there is; the error lists those there are.
    case unknownChannel = "unknown_channel"
    /// What the request asks does not fit what is stored (approving a record no longer held).
    case conflict
}
