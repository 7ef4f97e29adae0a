import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket standing in for systemd's notify socket: records every message.
final class NotifyListener: Sendable {
    /// What to put in `NOTIFY_SOCKET`: a path, or `@name` for an abstract socket.
    let address: String
    private let fd: Int32
    private let state = State()

    /// Shared with the reader thread.
    final class State: Sendable {
        let received = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
    }

    init(abstract: Bool, directory: String) throws {
        let name = abstract ? "@ai-ticker-test-\(UUID().uuidString.prefix(8))" : "\(directory)/notify.sock"
        address = name
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.fd = fd
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var path = Array(name.utf8)
        if abstract { path[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { buffer in
            for (index, byte) in path.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1))
        let result = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let state = self.state
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !state.stop.load(ordering: .acquiring) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 {
                    let text = String(decoding: buffer[0..<count], as: UTF8.self)
                    state.received.withLock { $0.append(text) }
                }
            }
            close(fd)
        }
    }

    deinit {
        state.stop.store(true, ordering: .releasing)
    }

    var messages: [String] { state.received.withLock { $0 } }

    /// Waits until a message containing `text` arrives.
    func wait(for text: String, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if messages.contains(where: { $0.contains(text) }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
