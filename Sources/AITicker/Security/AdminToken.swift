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

    /// Finds the token. A configured file that cannot be used is an error; a token file that
    /// others can read, or a broken one in the state directory, a warning (never quoting content).
    static func resolve(explicit: String?, file: String?, variables: [String: String], databasePath: String,
                        errors: inout [ConfigurationIssue], warnings: inout [ConfigurationIssue]) -> AdminToken {
        let generated = generatedPath(variables: variables, databasePath: databasePath)
        if let explicit, !explicit.isEmpty { return AdminToken(value: explicit, origin: "ticker.admin_token (TICKER_ADMIN_TOKEN)", file: nil, generatedPath: generated) }
        var candidates: [(path: String, origin: String, required: Bool)] = []
        if let file { candidates.append((file, "ticker.admin_token_file \(file)", true)) }
        if let directory = variables["CREDENTIALS_DIRECTORY"] {
            candidates.append(("\(directory)/admin_token", "systemd credential admin_token", false))
        }
        candidates.append((generated, generated, false))
        for candidate in candidates where candidate.required || FileManager.default.fileExists(atPath: candidate.path) {
            do {
                let value = try SecretFile.read(candidate.path)
                if candidate.path == generated || candidate.required, let mode = permissions(candidate.path), mode & 0o077 != 0 {
                    warnings.append(.init(source: candidate.path, key: "ticker.admin_token_file",
                                          reason: "the admin token file can be read by other users (mode \(String(mode, radix: 8))): chmod 600 \(candidate.path)"))
                }
                return AdminToken(value: value, origin: candidate.origin, file: candidate.path, generatedPath: generated)
            } catch {
                let issue = ConfigurationIssue(source: candidate.path, key: "ticker.admin_token_file", reason: "admin token not read: \(error)")
                if candidate.required { errors.append(issue) } else { warnings.append(issue) }
                return AdminToken(value: nil, origin: candidate.origin, file: candidate.path, generatedPath: generated)
            }
        }
        return AdminToken(value: nil, origin: nil, file: nil, generatedPath: generated)
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
    static func create(at path: String) throws(SecretFile.Failure) -> String {
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

    private static func permissions(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }
}
