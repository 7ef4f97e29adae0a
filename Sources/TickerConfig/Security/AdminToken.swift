import Foundation

/// The bearer token admin routes need over TCP, and where it came from. In order:
/// `ticker.admin_token` (`TICKER_ADMIN_TOKEN`), the file `ticker.admin_token_file`, the systemd
/// credential `admin_token`, then `admin_token` in the state directory (`$STATE_DIRECTORY`, else
/// the database's directory), which the service creates on first start and the CLI reads.
public struct AdminToken: Sendable, Equatable {
    public var value: String?
    /// Where the token came from, for the log and `ai-ticker config` (never the value); nil
    /// when no source holds one.
    public var origin: String?
    /// The file an operator reads the token from (nil when it comes from a variable).
    public var file: String?
    /// The state directory's token file: where a generated token lives.
    public var generatedPath: String

    /// Bytes of randomness in a generated token (256 bits), written as hex.
    static let generatedBytes = 32

    /// Finds the token. A token file that cannot be used is an error (the service does not start
    /// rather than run with its admin routes off): a dangling symbolic link, unreadable content,
    /// and, for the service, a file another user owns or others may read (as OpenSSH refuses a
    /// private key). systemd credentials are exempt from the owner and mode rules: systemd sets them.
    /// Errors name the file and what is wrong, never its content.
    static func resolve(explicit: String?, file: String?, variables: [String: String], databasePath: String, forService: Bool,
                        errors: inout [ConfigurationIssue]) -> AdminToken {
        let generated = generatedPath(variables: variables, databasePath: databasePath)
        if let explicit, !explicit.isEmpty { return AdminToken(value: explicit, origin: "ticker.admin_token (TICKER_ADMIN_TOKEN)", file: nil, generatedPath: generated) }
        var candidates: [(path: String, origin: String, required: Bool, credential: Bool)] = []
        if let file { candidates.append((file, "ticker.admin_token_file \(file)", true, false)) }
        if let directory = variables["CREDENTIALS_DIRECTORY"] {
            candidates.append(("\(directory)/admin_token", "systemd credential admin_token", false, true))
        }
        candidates.append((generated, generated, false, false))
        for candidate in candidates where candidate.required || isLink(candidate.path) || FileManager.default.fileExists(atPath: candidate.path) {
            do {
                if let refusal = refusal(candidate.path, ownedByService: forService && !candidate.credential) {
                    throw SecretFile.Failure(description: refusal)
                }
                let value = try SecretFile.read(candidate.path)
                return AdminToken(value: value, origin: candidate.origin, file: candidate.path, generatedPath: generated)
            } catch {
                errors.append(ConfigurationIssue(source: candidate.path, key: Key.Ticker.adminTokenFile.name, reason: "admin token not read: \(error)"))
                return AdminToken(value: nil, origin: candidate.origin, file: candidate.path, generatedPath: generated)
            }
        }
        return AdminToken(value: nil, origin: nil, file: nil, generatedPath: generated)
    }

    /// Why the token file at `path` may not be used, or nil: a symbolic link to nothing; with
    /// `ownedByService`, a file that is not the service user's own or that others may read or write.
    static func refusal(_ path: String, ownedByService: Bool) -> String? {
        var target = stat()
        guard stat(path, &target) == 0 else {
            guard isLink(path) else { return nil }  // missing: reading it says so
            let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
            return "\(path) is a symbolic link to \(destination), which does not exist"
        }
        guard ownedByService else { return nil }
        if target.st_uid != geteuid() {
            return "\(path) belongs to uid \(target.st_uid), not to the service's user (uid \(geteuid())): chown it to that user"
        }
        if target.st_mode & 0o077 != 0 {
            return "\(path) has mode \(String(target.st_mode & 0o777, radix: 8)), so other users may read or change it: chmod 600 \(path)"
        }
        return nil
    }

    private static func isLink(_ path: String) -> Bool {
        var link = stat()
        return lstat(path, &link) == 0 && link.st_mode & S_IFMT == S_IFLNK
    }

    /// `$STATE_DIRECTORY` (its first entry) under systemd, else the database's directory.
    static func generatedPath(variables: [String: String], databasePath: String) -> String {
        if let state = variables["STATE_DIRECTORY"]?.split(separator: ":").first { return "\(state)/admin_token" }
        let directory = (databasePath as NSString).deletingLastPathComponent
        // Absolute, so the log and error messages say exactly which file it is.
        return URL(fileURLWithPath: directory.isEmpty ? "." : directory).appendingPathComponent("admin_token").standardizedFileURL.path
    }

    /// Creates the state directory's token file (mode 0600, never replacing one that exists)
    /// and returns the token it holds.
    package static func create(at path: String) throws(SecretFile.Failure) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<generatedBytes).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return try SecretFile.read(path) }  // another process was first
            throw SecretFile.Failure(description: "\(path) not created: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let line = Array("\(token)\n".utf8)
        guard write(descriptor, line, line.count) == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw SecretFile.Failure(description: "\(path) not written: \(reason)")
        }
        return token
    }
}
