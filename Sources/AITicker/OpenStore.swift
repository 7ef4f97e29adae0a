import Logging
import TickerConfig
import TickerPostgres
import TickerStorage

/// The configured database: PostgreSQL at `database.url`, else SQLite at `database.path`.
/// `asService`: SQLite's lock is taken and the file checked (the CLI only reads and writes).
public func openStore(_ configuration: AppConfiguration, asService: Bool = false, logger: Logger = Logger(label: "ai-ticker")) async throws -> any MessageStore {
    if let postgres = configuration.postgres { return try await PostgresMessageStore(settings: postgres, logger: logger) }
    return asService ? try SQLiteMessageStore.openForService(path: configuration.databasePath) : try SQLiteMessageStore(path: configuration.databasePath)
}
