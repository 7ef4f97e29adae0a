import Glibc
import Logging
import TickerConfig

/// Every connection, stream, plugin pipe and database file takes a file descriptor. At start the
/// soft limit is raised to the hard one, and the connection limit is lowered to what it leaves,
/// so that the limit, not a failing `accept`, decides who gets in (a failing `accept` lets no
/// one in until some connection times out). The unit file sets `LimitNOFILE=` to fit the defaults.
package enum DescriptorLimit {
    /// Descriptors kept for the database, plugins, the log and the listening socket.
    static let reserve = 64

    /// The connection limit to use: `server.max_connections`, or less when the descriptors do
    /// not allow it (logged).
    package static func check(_ server: ServerConfiguration, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return server.maxConnections }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = Int(clamping: limit.rlim_cur)
        var maximum = server.maxConnections
        if maximum + reserve > available {
            maximum = max(16, available - reserve)
            logger.warning("server.max_connections does not fit the descriptor limit: at most \(maximum) connections; raise LimitNOFILE for more", metadata: [
                "max_connections": "\(server.maxConnections)", "descriptor_limit": "\(available)", "needed": "\(server.maxConnections + reserve)",
            ])
        }
        if server.maxStreamClients >= server.maxConnections {
            logger.warning("server.max_stream_clients is not below server.max_connections: streams could take every connection", metadata: [
                "max_stream_clients": "\(server.maxStreamClients)", "max_connections": "\(server.maxConnections)",
            ])
        }
        return maximum
    }
}
