import Foundation
import Synchronization

/// The service's claim on its SQLite database. An exclusive `flock` on the database file itself
/// (so it holds whatever name, symbolic or hard link, the file is reached by; released when the
/// process ends however it ends) makes a second instance on the same file refuse to start
/// instead of ticking twice. `<database>.lock`, beside the file the path resolves to, names the
/// holder and records the id of the last message the service acknowledged, so a start can tell
/// when acknowledged messages went missing. `flock` and SQLite's POSIX locks do not interact.
final class DatabaseLock: Sendable {
    let path: String
    /// The last acknowledged id recorded by earlier runs (nil for a new lock file).
    let recordedLastID: Int64?
    /// The open lock file (-1 once released), the database file held (-1 once closed) and the
    /// highest id recorded.
    private let state: Mutex<(file: Int32, database: Int32, lastID: Int64)>

    enum Failure: Error {
        /// Another process holds the lock; its description names it.
        case held(String)
        /// The file cannot be created or opened for writing (read-only file system or directory).
        case notWritable(String)
    }

    init(databasePath: String) throws(Failure) {
        let resolved = Self.resolved(databasePath)
        path = resolved + ".lock"
        let database = open(databasePath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard database >= 0 else { throw .notWritable("\(databasePath): \(String(cString: strerror(errno)))") }
        let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            close(database)
            throw .notWritable("\(path): \(String(cString: strerror(errno)))")
        }
        let contents = Self.contents(file)
        guard flock(database, LOCK_EX | LOCK_NB) == 0 else {
            close(file)
            close(database)
            let holder = Self.field("pid", in: contents).map { "pid \($0)" } ?? "another process"
            let through = resolved == databasePath ? "" : " (\(databasePath) is \(resolved))"
            throw .held("\(databasePath) is in use by another ai-ticker (\(holder), lock \(path))\(through): one SQLite file serves one instance, "
                + "whatever names link to it; stop the other one, or give this one its own database.path (several instances need PostgreSQL)")
        }
        recordedLastID = Self.field("last_message_id", in: contents).flatMap { Int64($0) }
        state = Mutex((file, database, recordedLastID ?? 0))
        record(recordedLastID ?? 0)
    }

    /// The path with every symbolic link resolved (the file's directory when it does not exist yet).
    static func resolved(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) { return url.resolvingSymlinksInPath().path }
        return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
    }

    deinit {
        release()
        closeDatabase()
    }

    /// Lets another instance take the database (at shutdown; also when the process ends).
    func release() {
        state.withLock { state in
            if state.database >= 0 { flock(state.database, LOCK_UN) }
            if state.file >= 0 { close(state.file) }
            state.file = -1
        }
    }

    /// Closes the descriptor on the database file: only once SQLite has closed its own, as
    /// closing any descriptor of a file drops every POSIX lock the process holds on it.
    func closeDatabase() {
        state.withLock { state in
            if state.database >= 0 { close(state.database) }
            state.database = -1
        }
    }

    /// Records `id` as acknowledged (when above what is recorded), durably before returning.
    func record(_ id: Int64) {
        state.withLock { state in
            state.lastID = max(state.lastID, id)
            let line = Array("pid=\(getpid())\nlast_message_id=\(state.lastID)\n".utf8)
            guard state.file >= 0, pwrite(state.file, line, line.count, 0) == line.count else { return }
            ftruncate(state.file, off_t(line.count))
            fdatasync(state.file)
        }
    }

    /// Whether `path` is still the file this lock holds (not removed or replaced).
    var isInPlace: Bool {
        state.withLock { FileIdentity(descriptor: $0.file) } == FileIdentity(path: path)
    }

    private static func contents(_ file: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = pread(file, &buffer, buffer.count, 0)
        return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }

    private static func field(_ name: String, in contents: String) -> String? {
        contents.split(separator: "\n").first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
    }
}

/// A file's device and inode: what tells "the same file" from "a file at the same path".
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}
