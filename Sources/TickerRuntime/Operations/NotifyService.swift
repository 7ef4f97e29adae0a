import Foundation
import ServiceLifecycle
import Synchronization
import TickerCore

/// Keeps systemd informed: pings the watchdog at half of `WATCHDOG_USEC` while the scheduler is
/// alive, and says `STOPPING=1` as soon as shutdown begins.
package struct NotifyService: Service {
    let notifier: SystemdNotifier
    let scheduler: SharedFlag

    package init(notifier: SystemdNotifier, scheduler: SharedFlag) {
        self.notifier = notifier
        self.scheduler = scheduler
    }

    package func run() async throws {
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
