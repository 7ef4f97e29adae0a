import Foundation
import ServiceLifecycle
import Synchronization

/// Keeps systemd informed: pings the watchdog at half of `WATCHDOG_USEC` while the scheduler is
/// alive, and says `STOPPING=1` as soon as shutdown begins.
struct NotifyService: Service {
    let notifier: SystemdNotifier
    let scheduler: SharedFlag

    func run() async throws {
        guard notifier.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            guard let interval = notifier.watchdogInterval else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if scheduler.isAlive { notifier.watchdog() }
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                } catch {
                    return
                }
            }
        } onGracefulShutdown: {
            notifier.stopping()
        }
    }
}

/// A Boolean that tasks share: whether the scheduler loop runs (the watchdog pings only then),
/// whether the message follower is listening.
final class SharedFlag: Sendable {
    private let alive = Atomic<Bool>(false)

    var isAlive: Bool { alive.load(ordering: .acquiring) }

    func set(_ value: Bool) {
        alive.store(value, ordering: .releasing)
    }
}
