import TickerCore

/// What the instances sharing one database do for each other. PostgreSQL's store does it for
/// real (`TickerPostgres`); a SQLite database has one instance, which `SoloCluster` stands for.
public protocol ClusterDuties: Sendable {
    /// Records that `instance` ticks the channel's timer slot `slot`; false when another instance
    /// has, so a slot is never generated twice even by two instances that both believe they lead.
    func claim(channel: String, slot: Int64, instance: String) async throws -> Bool
    /// Tells the other instances on this database that `instance` changed the configuration
    /// (runtime overrides, a reload), so that they reload too.
    func announceConfigurationChange(by instance: String) async throws
    /// Keeps the leader's provider health results for the instances that stand by.
    func shareHealth(_ probes: [HealthProbe], by instance: String) async throws
    /// The health results the leader shared last.
    func sharedHealth() async throws -> [HealthProbe]
}

/// The one instance of a SQLite database: every slot is its own, and there is nobody to tell or
/// to share health results with.
public struct SoloCluster: ClusterDuties {
    public init() {}
    public func claim(channel: String, slot: Int64, instance: String) async throws -> Bool { true }
    public func announceConfigurationChange(by instance: String) async throws {}
    public func shareHealth(_ probes: [HealthProbe], by instance: String) async throws {}
    public func sharedHealth() async throws -> [HealthProbe] { [] }
}

/// What another instance did that this one must follow (`FollowerService` on PostgreSQL).
public enum ClusterChange: Sendable {
    /// Another instance announced a change to the configuration.
    case announced(by: String)
    /// The connection is back after a loss: changes may have been missed.
    case reconnected
}
