import Logging
import TickerCore

/// Everything the service runs with, resolved from all layers; replaced whole on reload.
public struct AppConfiguration: Sendable {
    public var server: ServerConfiguration
    public var databasePath: String
    /// `database.url` naming PostgreSQL: the shared database of several instances; nil for SQLite
    /// at `databasePath`.
    public var postgres: PostgresSettings?
    public var ticker: TickerConfiguration
    /// `default` first, then the configured channels by name.
    public var channels: [ChannelConfiguration]
    public var routing: RoutingConfiguration
    public var logLevel: Logger.Level
    /// The admin routes' bearer token and where it came from; without a value admin routes
    /// refuse every request.
    public var adminToken: AdminToken
    public var providers: [ProviderEntry]
    /// Which plugins are on offer and where external ones are found.
    public var plugins: PluginSettings
    /// Every effective value with its layer, secrets masked (`ai-ticker config`, `GET /api/config`).
    public var effective: [EffectiveSetting]
    /// The `plugin_config.json` path in use, whether or not it exists.
    public var configFile: String
    /// What is not fatal but not used either: unknown keys (with a suggestion), the original
    /// AI-Ticker's settings that do not apply here.
    public var warnings: [ConfigurationIssue] = []
    /// `logging.file` (`LOG_FILE`): a file the log is also written to.
    public var logFile: String?
    /// `ticker.import_file` (`CACHE_FILE`): the original's message cache, imported into an empty database.
    public var importFile: String?
    public var compression: CompressionConfiguration
    /// `server.rate_limit_api` (`RATE_LIMIT_API`): per client, on admin routes.
    public var rateLimit: RateLimit?
    public var access: AccessConfiguration
    /// `guardrails`: the rules every candidate message passes, and the review switch.
    public var guardrails = GuardrailConfiguration()
    /// The configured API keys and the admin token: redacted everywhere, refused in an answer.
    public var redactor = SecretRedactor(secrets: [])

    /// Why a runtime override `key` names no provider entry or channel of this configuration (an
    /// override changes an entry or a channel the file has; it does not make one); nil when it
    /// names one, or neither.
    public func missingEntry(for key: String) -> String? {
        let parts = key.split(separator: ".", maxSplits: 2)
        guard parts.count == 3 else { return nil }
        switch parts[0] {
        case "plugins" where !providers.contains { $0.id == parts[1] }: return "no such provider instance"
        case "channels" where !channels.contains { $0.name == parts[1] }:
            return "no such channel; channels: \(channels.map(\.name).joined(separator: ", "))"
        case "guardrails" where parts[1] == "rules" && !guardrails.rules.contains { parts[2] == "\($0.name).enabled" }:
            return "no such guardrail rule; rules: \(guardrails.rules.isEmpty ? "none" : guardrails.rules.map(\.name).joined(separator: ", "))"
        default: return nil
        }
    }
}

/// `server.allowed_hosts`, `server.allowed_origins` and `server.trusted_proxies`: which `Host`
/// names every route answers (checked when listening on loopback, or when names are listed),
/// which browser origins, besides the service's own, admin routes accept, and whose word on the
/// client's address is believed.
public struct AccessConfiguration: Sendable, Equatable {
    public var listensOnLoopback: Bool
    public var allowedHosts: [String]
    public var allowedOrigins: [String]
    /// `server.trusted_proxies`: peers whose `X-Forwarded-For` names the client.
    public var trustedProxies: [AddressRange] = []
    /// `server.cors_origins`: other sites whose pages may read the public routes and streams
    /// (lowercased); separate from `allowedOrigins`, which admin routes check.
    public var corsOrigins: [String] = []

    /// What is wrong with a web origin as `server.cors_origins` lists it (`https://example.org`,
    /// `http://127.0.0.1:8081`: a scheme, a host, an optional port, nothing after), or nil.
    package static func originProblem(_ origin: String) -> String? {
        let parts = origin.lowercased().split(separator: "://", maxSplits: 1)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https", !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }) else {
            return "\"\(origin.prefix(80))\" is not a web origin such as https://example.org (a scheme, a host and an optional port, no path)"
        }
        return nil
    }

    /// `localhost`, `::1` or an IPv4 literal in 127.0.0.0/8; not a name that merely starts with
    /// `127.` (`127.0.0.1.nip.io` is anyone's domain).
    package static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}

/// `server.compress_level` (0 = off, 1–9) and `server.compress_min_size` (bytes).
public struct CompressionConfiguration: Sendable, Equatable {
    public var level: Int
    public var minimumSize: Int

    /// Whether a body of `size` bytes goes compressed to a client sending `acceptEncoding`.
    package func compresses(size: Int, acceptEncoding: String?) -> Bool {
        level > 0 && size >= minimumSize && Self.acceptsGzip(acceptEncoding)
    }

    /// Whether `Accept-Encoding` allows gzip (listed, or `*`, without `q=0`).
    package static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.lowercased().split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let coding = fields.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let refused = fields.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "").range(of: #"^q=0(\.0*)?$"#, options: .regularExpression) != nil }
            return !refused
        }
        return false
    }
}

/// A request budget per client, written as the original's `RATE_LIMIT_API`: `10 per minute`,
/// `100/hour`, `5 per 30 seconds`.
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var seconds: Double

    public init?(_ text: String) {
        let words = text.lowercased().replacingOccurrences(of: "/", with: " per ").split(separator: " ").map(String.init)
        guard words.count >= 3, words[1] == "per", let count = Int(words[0]), count > 0 else { return nil }
        var rest = Array(words.dropFirst(2))
        var multiple = 1.0
        if rest.count == 2, let number = Double(rest[0]), number > 0 {
            multiple = number
            rest.removeFirst()
        }
        guard rest.count == 1 else { return nil }
        let unit = rest[0].hasSuffix("s") ? String(rest[0].dropLast()) : rest[0]
        let units: [String: Double] = ["second": 1, "minute": 60, "hour": 3_600, "day": 86_400]
        guard let seconds = units[unit] else { return nil }
        requests = count
        self.seconds = seconds * multiple
    }
}

/// `server.*`: where the HTTP API listens.
public struct ServerConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// At most this many `/api/stream` clients at once.
    public var maxStreamClients: Int
    public var streamHeartbeatSeconds: Int
    /// `/api/stream` clients from one address at most.
    public var maxStreamsPerClient: Int = 100
    /// Open connections at most (streams included); more wait in the backlog.
    public var maxConnections: Int = 4_096
    /// Seconds a connection may wait for its next request's head.
    public var idleTimeoutSeconds: Int = 30
    /// Seconds a request's body may take once its head is read.
    public var readTimeoutSeconds: Int = 30
    /// Seconds a client may leave a full socket unread before it is closed.
    public var writeTimeoutSeconds: Int = 30
    /// Open connections from one client at most (the forwarded client behind a trusted proxy).
    public var maxConnectionsPerClient: Int = 256
    /// Seconds a connection with a request in flight (or a stream) may stay once the service stops.
    public var shutdownGraceSeconds: Int = 10
    /// How this instance names itself in `/api/health` and to the others on a shared database;
    /// nil: an opaque id made at start.
    public var instanceName: String?
}

/// `ticker.*`: what to ask for and how often.
public struct TickerConfiguration: Sendable, Equatable {
    public var intervalSeconds: Int
    public var profile: String
    public var systemPrompt: String
    public var userPrompt: String
    public var fuzzyThreshold: Int
    public var dedupeWindow: Int
    public var retention: Int
    public var tickDeadlineSeconds: Int
    /// `ticker.max_message_length`: longer answers are rejected (a ticker shows one line).
    public var maxMessageLength: Int = 400
    /// `ticker.stats_retention_days`: how long attempts are kept for `/api/stats`.
    public var statsRetentionDays: Int = 35
}

/// What happens when every provider fails.
public enum FallbackBehavior: String, Sendable, Equatable {
    case useCache = "use_cache"
    case keepLast = "keep_last"
}

/// `global_settings.*`: health checks, circuit breaking and fallback.
public struct RoutingConfiguration: Sendable, Equatable {
    public var customPluginPaths: [String]
    public var pluginTimeout: Int
    public var healthCheckInterval: Int
    public var fallback: FallbackBehavior
    public var circuitFailureThreshold: Int
    public var circuitCooldownSeconds: Int
}

/// One entry of `plugins`: a provider instance and why it cannot run, if it cannot.
public struct ProviderEntry: Sendable, Equatable {
    public var id: String
    public var plugin: String
    public var enabled: Bool
    public var priority: Int
    public var config: ProviderConfig
    /// `config.price_per_million_input_tokens` and `…_output_tokens`: nil when neither is set.
    public var pricing: Pricing?
    /// `config.daily_budget`: spend per UTC day after which the entry is skipped.
    public var dailyBudget: Double?
    /// Set when the instance cannot be used (unknown plugin, key not set); never contains a secret.
    public var unavailableReason: String?
}

/// One effective configuration value and the layer it came from.
public struct EffectiveSetting: Sendable, Equatable, Codable {
    public var key: String
    public var value: JSONValue
    public var source: String
}
