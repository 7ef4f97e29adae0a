import Glibc
import Logging

/// Every connection, stream, plugin pipe and database file takes a file descriptor. At start the
/// soft limit is raised to the hard one, and a warning says when `server.max_connections` does
/// not fit below it (the unit file sets `LimitNOFILE=` to fit the defaults).
enum DescriptorLimit {
    /// Descriptors kept for the database, plugins, the log and the listening socket.
    static let reserve = 64

    static func check(_ server: ServerConfiguration, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = Int(clamping: limit.rlim_cur)
        if server.maxConnections + reserve > available {
            logger.warning("server.max_connections does not fit the descriptor limit; lower it or raise LimitNOFILE", metadata: [
                "max_connections": "\(server.maxConnections)", "descriptor_limit": "\(available)", "needed": "\(server.maxConnections + reserve)",
            ])
        }
        if server.maxStreamClients >= server.maxConnections {
            logger.warning("server.max_stream_clients is not below server.max_connections: streams could take every connection", metadata: [
                "max_stream_clients": "\(server.maxStreamClients)", "max_connections": "\(server.maxConnections)",
            ])
        }
    }
}
