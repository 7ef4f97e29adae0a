import Foundation
import Logging
import Synchronization

/// Whether this instance may tick. On SQLite it always may (one instance per file). On
/// PostgreSQL exactly one instance leads: the one holding a session advisory lock on a
/// connection of its own (`LeaderElectionService`); the others stand by and serve reads.
public final class Leadership: Sendable {
    public enum Role: String, Sendable, Codable {
        case leader, standby
    }

    public struct State: Sendable, Equatable {
        public var role: Role
        /// The leading instance as it names itself, when known.
        public var leader: String?
        public var since: Date
        /// Why the database could not be reached, while it cannot.
        public var unreachable: String?
    }

    /// How this instance names itself to the others: host and process id.
    public let instance: String
    private let state: Mutex<State>
    /// Told of every change of role (metrics, systemd's status line, the log).
    private let onChange: @Sendable (State) -> Void

    package init(instance: String, role: Role, onChange: @escaping @Sendable (State) -> Void = { _ in }) {
        self.instance = instance
        self.onChange = onChange
        state = Mutex(State(role: role, leader: role == .leader ? instance : nil, since: Date()))
    }

    /// The single instance of a SQLite database: always the leader.
    package static func solo(named name: String? = nil) -> Leadership {
        Leadership(instance: name ?? defaultInstanceName(), role: .leader)
    }

    public var current: State { state.withLock { $0 } }
    public var isLeader: Bool { current.role == .leader }

    package func set(_ role: Role, leader: String?, unreachable: String? = nil) {
        let changed = state.withLock { state -> State? in
            // An outage keeps its first reason: the next attempts' wording is no change of state.
            let next = State(role: role, leader: leader, since: state.role == role ? state.since : Date(),
                             unreachable: unreachable.map { state.unreachable ?? $0 })
            guard next != state else { return nil }
            state = next
            return next
        }
        if let changed { onChange(changed) }
    }

    /// This process's opaque id (12 hex digits, new at every start): what a public route may
    /// show of it. The log says which host and process it is (`server.instance_name` names it).
    static let processID: String = {
        var generator = SystemRandomNumberGenerator()
        return (0..<6).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }()

    package static func defaultInstanceName() -> String { processID }
}
