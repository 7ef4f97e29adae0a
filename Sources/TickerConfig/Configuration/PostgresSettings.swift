import Foundation

/// `database.url` (`DATABASE_URL`) when it names PostgreSQL, read the way libpq reads such a URL:
/// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…`, and a `host=/directory`
/// parameter (or an empty host with it) for the server's Unix socket in that directory. The
/// password may instead come from `database.password_file` or a systemd credential
/// `database_password`.
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, the certificate not checked (libpq's default).
        case prefer
        /// TLS or no connection; the certificate not checked.
        case require
        /// TLS with the certificate checked against `sslrootcert` (or the system's roots).
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the host name must match the certificate.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    /// The socket file (`<directory>/.s.PGSQL.<port>`) when the URL names a socket directory.
    public var socketPath: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    public var rootCertificate: String?

    /// Where it connects, without the password: what logs and the health say.
    public var display: String {
        let place = socketPath ?? "\(host):\(port)"
        return "postgres://\(user)@\(place)/\(database)"
    }

    /// Nil for a URL that is not PostgreSQL's; throws with the reason for one that is but cannot be read.
    static func parse(_ text: String) throws(ConfigurationIssue) -> PostgresSettings? {
        func invalid(_ reason: String) -> ConfigurationIssue {
            ConfigurationIssue(source: Key.Database.url.name, key: Key.Database.url.name, reason: reason)
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            if text.contains("://") { throw invalid("only postgres:// URLs are supported (or no URL: SQLite at database.path)") }
            return nil
        }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["host", "port", "sslmode", "sslrootcert", "user", "password", "dbname", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw invalid("unknown URL parameter \"\(unknown)\"; known: \(known.sorted().joined(separator: ", "))")
        }
        let portText = query["port"] ?? components.port.map(String.init) ?? "5432"
        guard let port = Int(portText), (1...65_535).contains(port) else { throw invalid("port \"\(portText)\" is not a port number") }
        let host = query["host"] ?? components.host.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding } ?? "localhost"
        let tlsText = query["sslmode"] ?? "prefer"
        guard let tls = TLSMode(rawValue: tlsText) else {
            throw invalid("sslmode \"\(tlsText)\" is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let user = query["user"] ?? components.user?.removingPercentEncoding ?? "postgres"
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let database = query["dbname"] ?? (path.isEmpty ? user : path.removingPercentEncoding ?? path)
        let socket = host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil
        if socket != nil, tls == .require || tls == .verifyCA || tls == .verifyFull {
            throw invalid("sslmode=\(tls.rawValue) over a Unix socket: a socket has no TLS")
        }
        return PostgresSettings(host: host, port: port, socketPath: socket, user: user,
                                password: query["password"] ?? components.password?.removingPercentEncoding,
                                database: database, tls: socket == nil ? tls : .disable, rootCertificate: query["sslrootcert"])
    }
}
