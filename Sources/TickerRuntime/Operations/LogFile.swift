import Foundation
import Logging
import Synchronization
import TickerCore
import TickerStorage

/// The file named by `logging.file` (`LOG_FILE`), written beside stderr. `reopen()` (on SIGHUP)
/// lets logrotate move the file away: writing goes on in a new file at the same path.
public final class LogFile: Sendable {
    private let state = Mutex<(path: String?, descriptor: Int32)>((nil, -1))

    public init() {}

    /// Starts writing to `path` (nil stops); throws when it cannot be opened for appending.
    public func open(_ path: String?) throws {
        let descriptor = try path.map(Self.openForAppending) ?? -1
        let old = state.withLock { state in
            defer { state = (path, descriptor) }
            return state.descriptor
        }
        if old >= 0 { close(old) }
    }

    /// Opens the same path again (after logrotate moved the file).
    public func reopen() throws {
        try open(state.withLock { $0.path })
    }

    public var path: String? { state.withLock { $0.path } }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        state.withLock { state in
            guard state.descriptor >= 0 else { return }
            _ = bytes.withUnsafeBytes { Glibc.write(state.descriptor, $0.baseAddress, $0.count) }
        }
    }

    private static func openForAppending(_ path: String) throws -> Int32 {
        let descriptor = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw StoreError.unavailable("cannot open log file \(path): \(String(cString: strerror(errno)))")
        }
        return descriptor
    }
}

/// A swift-log handler writing plain lines (time, level, label, metadata, message) to a `LogFile`.
public struct FileLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let file: LogFile

    public init(label: String, file: LogFile) {
        self.label = label
        self.file = file
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        file.write("\(RFC3339.string(from: Date())) \(event.level) \(label):\(fields.isEmpty ? "" : " " + fields) [\(event.source)] \(event.message)")
    }
}
