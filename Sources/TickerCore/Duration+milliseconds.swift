extension Duration {
    /// The duration in milliseconds, for latencies in the API, the database and health checks.
    package var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
