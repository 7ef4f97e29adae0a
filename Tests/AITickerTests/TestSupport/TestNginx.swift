import Foundation
import Testing

/// A real nginx (Debian's nginx-light, installed by `.ci/run`) on a free loopback port, with its
/// configuration, pid, logs and temp files in the test's workspace. `servers` is what goes in
/// `http { }`: the upstreams and a `server` that listens on the given port.
final class TestNginx: Sendable {
    let port: Int
    let base: String
    private let prefix: String
    private let process: Process

    init(workspace: TestWorkspace, servers: (_ port: Int) -> String) throws {
        let nginx = "/usr/sbin/nginx"
        try #require(FileManager.default.isExecutableFile(atPath: nginx), "nginx-light is installed by .ci/run")
        port = try freeLoopbackPort()
        base = "http://127.0.0.1:\(port)"
        prefix = workspace.path("nginx")
        try workspace.write("nginx/nginx.conf", """
            daemon off;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                \(servers(port))
            }
            """)
        process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-c", "\(prefix)/nginx.conf", "-p", prefix, "-e", "\(prefix)/error.log"]
        try process.run()
    }

    /// Waits until nginx passes `/api/health` through, quoting its error log when it does not.
    func waitUntilUp() async throws {
        var up = false
        for _ in 0..<100 where !up {
            up = (try? await httpGet("\(base)/api/health"))?.status == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(up, "nginx answers: \((try? String(contentsOfFile: "\(prefix)/error.log", encoding: .utf8)) ?? "")")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
