import Synchronization

/// A Boolean that tasks share: whether the scheduler loop runs (the watchdog pings only then),
/// whether the message follower is listening.
package final class SharedFlag: Sendable {
    private let alive = Atomic<Bool>(false)

    package init() {}

    package var isAlive: Bool { alive.load(ordering: .acquiring) }

    package func set(_ value: Bool) {
        alive.store(value, ordering: .releasing)
    }
}
