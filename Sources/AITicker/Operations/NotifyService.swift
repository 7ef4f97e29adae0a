import Foundation
import ServiceLifecycle
import Synchronization

/// Keeps systemd informed: pings the watchdog at half of `WATCHDOG_USEC` while the scheduler is
/// alive, and says `STOPPING=1` as soon as shutdown begins.
struct NotifyService: Service {
    let notifier: SystemdNotifier
    let scheduler: SchedulerLiveness

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

/// Whether the scheduler loop is running; the watchdog only pings while it is.
final class SchedulerLiveness: Sendable {
    private let alive = Atomic<Bool>(false)

    var isAlive: Bool { alive.load(ordering: .acquiring) }

    func set(_ value: Bool) {
        alive.store(value, ordering: .releasing)
    }
}
