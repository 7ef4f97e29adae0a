import CSpawn
import Foundation
import Glibc
import Synchronization

/// Plugin descendants that left their process group (`setsid`, a double fork) and so escape the
/// group kill. The service makes itself their child subreaper: when their parent dies they become
/// its children instead of init's, and every child of the service that is not a plugin process
/// it started is ended and reaped. Only the `serve` command adopts; a library user's or a test
/// runner's own children are none of ai-ticker's business.
public enum Orphans {
    /// The processes `ChildProcess` started and has not reaped yet.
    static let owned = Mutex<Set<pid_t>>([])
    private static let adopting = Atomic<Bool>(false)

    /// Makes the service the subreaper of everything its plugins start; false (with errno) when
    /// the kernel refuses.
    @discardableResult
    public static func adopt() -> Bool {
        guard cspawn_become_subreaper() == 0 else { return false }
        adopting.store(true, ordering: .releasing)
        return true
    }

    static var adopted: Bool { adopting.load(ordering: .acquiring) }

    /// Kills and reaps every child of the service that no `ChildProcess` owns, again while killing
    /// one hands its own children over, a bounded number of rounds.
    package static func end() {
        guard adopted else { return }
        for _ in 0..<20 {
            let strays = owned.withLock { owned in
                let strays = children().filter { !owned.contains($0) }
                strays.forEach { _ = kill($0, SIGKILL) }
                return strays
            }
            if strays.isEmpty { return }
            for pid in strays {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            }
        }
    }

    /// The service's child processes, from `/proc/<pid>/stat` (the parent's id is the second
    /// field after the command name, which may itself hold spaces and parentheses).
    static func children() -> [pid_t] {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == me ? pid : nil
        }
    }
}
