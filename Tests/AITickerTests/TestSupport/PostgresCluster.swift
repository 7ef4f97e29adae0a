import CSpawn
import Foundation
import Testing
@testable import AITicker

/// A private PostgreSQL cluster for the tests: `initdb` in a temp directory, `pg_ctl start` on a
/// Unix socket in that directory and a loopback port (password auth over TCP, trust on the
/// socket), stopped and removed when the suite ends. Nothing of the system's PostgreSQL is used
/// but its programs (Debian's `postgresql` package, which `.ci/run` installs).
final class PostgresCluster: Sendable {
    let directory: String
    let port: Int
    let password = "ticker-test-password"
    private let bin: String
    /// Run as this user when the tests run as root (`initdb` refuses root).
    private let user: String?

    @TaskLocal static var current: PostgresCluster?

    private init() throws {
        bin = try Self.binDirectory()
        user = geteuid() == 0 ? "postgres" : nil
        directory = "/tmp/ai-ticker-pg-\(UUID().uuidString.prefix(8))"
        port = try freeLoopbackPort()
    }

    /// A new cluster, running.
    static func start() async throws -> PostgresCluster {
        let cluster = try PostgresCluster()
        try await cluster.create()
        return cluster
    }

    private func create() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: "\(directory)/pw", contents: Data(password.utf8))
        if let user { try await run("/bin/chown", ["-R", user, directory]) }
        try await postgres("initdb", ["-D", "\(directory)/data", "-U", "postgres", "--pwfile=\(directory)/pw", "-E", "UTF8", "--no-sync",
                                      "--auth-local=trust", "--auth-host=scram-sha-256"])
        try await resume()
    }

    /// A new, empty database; its URL over the Unix socket (or over TCP with the password).
    func database(tcp: Bool = false) async throws -> String {
        let name = "t_\(UUID().uuidString.prefix(12).replacingOccurrences(of: "-", with: "").lowercased())"
        try await psql("CREATE DATABASE \(name)")
        return tcp ? "postgres://postgres:\(password)@127.0.0.1:\(port)/\(name)?sslmode=disable"
                   : "postgres://postgres@/\(name)?host=\(directory)&port=\(port)"
    }

    /// The first column of the first row, as psql prints it.
    func query(_ sql: String, database url: String) async throws -> String {
        let name = URLComponents(string: url)?.path.trimmingCharacters(in: ["/"]) ?? "postgres"
        return try await psql(sql, database: name, arguments: ["-tA"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func psql(_ sql: String, database: String = "postgres", arguments: [String] = []) async throws -> String {
        try await run("/usr/bin/psql", ["-h", directory, "-p", "\(port)", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-q"] + arguments + ["-c", sql])
    }

    func stop() async {
        try? await postgres("pg_ctl", ["-D", "\(directory)/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Starts the server (again, after `pause`).
    func resume() async throws {
        try await postgres("pg_ctl", ["-D", "\(directory)/data", "-l", "\(directory)/server.log", "-w", "-t", "60", "start", "-o",
                                "-k \(directory) -c listen_addresses=127.0.0.1 -p \(port) -c fsync=off -c max_connections=200"])
    }

    /// Stops the server (fast shutdown), keeping its data.
    func pause() async throws {
        try await postgres("pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"])
    }

    private func postgres(_ program: String, _ arguments: [String]) async throws {
        if let user {
            try await run("/usr/sbin/runuser", ["-u", user, "--", "\(bin)/\(program)"] + arguments)
        } else {
            try await run("\(bin)/\(program)", arguments)
        }
    }

    /// Runs a program to its end; its output goes to a file (not a pipe: the server that
    /// `pg_ctl start` leaves running would hold a pipe open), quoted when it fails. Spawned with
    /// no descriptor of the test process but its standard ones (so the server holds none of
    /// Foundation's `Process` sockets, which would hide another test's child's exit) and reaped
    /// here with `waitpid` on a Dispatch thread.
    @discardableResult
    private func run(_ program: String, _ arguments: [String]) async throws -> String {
        let outputPath = "/tmp/ai-ticker-pg-output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = try await offThePool { () throws -> Int32 in
            let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
            let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            defer { _ = close(input); _ = close(output) }
            let argv = ([program] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var pid: pid_t = 0
            let spawned = cspawn_start(&pid, program, "/", argv, environ, input, output, output)
            guard spawned == 0 else { throw ClusterError("\(program) could not start: \(String(cString: strerror(spawned)))") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else { throw ClusterError("\(program) \(arguments.joined(separator: " ")) exited \(status): \(text)") }
        return text
    }

    /// Debian keeps the server programs in /usr/lib/postgresql/<version>/bin, off PATH.
    private static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let newest = versions.compactMap(Int.init).max(), FileManager.default.fileExists(atPath: "\(root)/\(newest)/bin/initdb") else {
            throw ClusterError("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql; .ci/run does it)")
        }
        return "\(root)/\(newest)/bin"
    }

    struct ClusterError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// Runs a suite with one private cluster, started before its first test and stopped after its last.
struct WithPostgres: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let cluster = try await PostgresCluster.start()
        do {
            try await PostgresCluster.$current.withValue(cluster) { try await function() }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}

extension Trait where Self == WithPostgres {
    static var postgres: WithPostgres { WithPostgres() }
}

/// The suite's cluster; fails the test when the suite lacks the `.postgres` trait.
func cluster() throws -> PostgresCluster {
    try #require(PostgresCluster.current, "the suite needs the .postgres trait")
}

/// A loopback port nobody listens on right now.
func freeLoopbackPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw PostgresCluster.ClusterError("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
