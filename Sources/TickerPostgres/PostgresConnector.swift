import Foundation
import Logging
import NIOSSL
import PostgresNIO
import TickerConfig
import TickerStorage

/// How every part of the PostgreSQL wing reaches the server: the store's pool, the leader lock's
/// and the follower's own connections. One reading of `database.url`'s settings (socket or host,
/// libpq's `sslmode`), one name in `pg_stat_activity`, one way to say what went wrong.
enum PostgresConnector {
    /// Seconds a connection attempt or one call may take.
    static let callTimeout = 5.0

    /// libpq's `sslmode` as NIOSSL settings: nil for no TLS, else whether TLS is required and how
    /// the certificate is checked.
    private static func tls(_ settings: PostgresSettings) -> (required: Bool, configuration: TLSConfiguration)? {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let root = settings.rootCertificate { tls.trustRoots = .file(root) }
        switch settings.tls {
        case .disable: return nil
        case .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: break
        }
        return (settings.tls != .prefer, tls)
    }

    /// The store's pool.
    static func clientConfiguration(_ settings: PostgresSettings) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socket = settings.socketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            let tls = tls(settings).map { $0.required ? .require($0.configuration) : .prefer($0.configuration) } ?? PostgresClient.Configuration.TLS.disable
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(callTimeout))
        configuration.options.additionalStartupParameters = [("application_name", applicationName("pool"))]
        return configuration
    }

    /// A connection of its own, closed after `body`: the leader lock's and the follower's.
    static func withConnection<T>(_ settings: PostgresSettings, purpose: String, logger: Logger,
                                  _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await connect(settings, purpose: purpose, logger: logger)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// One connection outside the pool. A start that cannot connect fails here with the server's
    /// own reason (no such role or database, wrong password, TLS refused) where the pool would
    /// retry until the call timeout. `purpose` names it in `pg_stat_activity`.
    static func connect(_ settings: PostgresSettings, purpose: String, logger: Logger) async throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        if let socket = settings.socketPath {
            configuration = .init(unixSocketPath: socket, username: settings.user, password: settings.password, database: settings.database)
        } else {
            let context = try tls(settings).map { (required: $0.required, context: try NIOSSLContext(configuration: $0.configuration)) }
            let tls = context.map { $0.required ? .require($0.context) : .prefer($0.context) } ?? PostgresConnection.Configuration.TLS.disable
            configuration = .init(host: settings.host, port: settings.port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(callTimeout))
        configuration.options.additionalStartupParameters = [("application_name", applicationName(purpose))]
        return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
    }

    /// How a connection shows in `pg_stat_activity`: "ai-ticker <purpose>: <process id>"
    /// (PostgreSQL keeps the first 63 bytes).
    static func applicationName(_ purpose: String) -> String {
        "ai-ticker \(purpose): \(Leadership.defaultInstanceName())"
    }

    /// Runs `body` on a connection of its own, closing the connection when `body` has not
    /// finished within `seconds`: a query on a half-open connection would never return, even
    /// cancelled, and closing it makes that query fail.
    static func closing<T: Sendable>(_ connection: PostgresConnection, unlessDoneWithin seconds: Double,
                                     _ body: () async throws -> T) async throws -> T {
        let deadline = Task {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            try? await connection.close()
        }
        defer { deadline.cancel() }
        return try await body()
    }

    /// What went wrong, from the server's own message where there is one; never the query's binds.
    static func reason(_ error: any Error) -> String {
        guard let error = serverError(error) else {
            return error is PostgresTransactionError ? "transaction failed" : "\(error)"
        }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }

    /// The driver's error, also from inside a transaction's wrapper.
    static func serverError(_ error: any Error) -> PSQLError? {
        if let error = error as? PSQLError { return error }
        guard let wrapped = error as? PostgresTransactionError else { return nil }
        return [wrapped.closureError, wrapped.beginError, wrapped.commitError].lazy.compactMap { $0 as? PSQLError }.first
    }
}
