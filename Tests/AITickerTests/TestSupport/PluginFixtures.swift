import Foundation

/// Writes an external plugin into `workspace/plugins/<name>`: a manifest and a Python script whose
/// `generate_message` body is `generate` (it may use `params` and must return the result dict).
@discardableResult
func writePythonPlugin(_ workspace: TestWorkspace, name: String, generate: String? = nil,
                       startup: String = "", health: String = #"return {"healthy": True}"#, manifest: [String: String] = [:]) throws -> String {
    let generate = generate ?? #"return {"content": "hello from \#(name) " + str(calls()), "model": "py-1"}"#
    var fields = [
        "name": "\"\(name)\"", "version": "\"1.0.0\"", "author": "\"tests\"", "description": "\"test plugin\"",
        "api_version": "\"v1\"", "command": #"["python3", "plugin.py"]"#, "requires": "[]",
    ]
    fields.merge(manifest) { $1 }
    let json = "{" + fields.map { "\"\($0)\": \($1)" }.joined(separator: ", ") + "}"
    try workspace.write("plugins/\(name)/plugin.json", json)
    try workspace.write("plugins/\(name)/plugin.py", """
        import json, os, sys, time
        \(startup)
        count = 0
        def calls():
            return count
        def generate(params):
            \(generate.replacingOccurrences(of: "\n", with: "\n    "))
        def health(params):
            \(health)
        for line in sys.stdin:
            request = json.loads(line)
            method = request.get("method")
            if method == "shutdown":
                if globals().get("IGNORE_SHUTDOWN"):
                    continue
                sys.exit(0)
            if method == "initialize":
                print("initialized with " + json.dumps(request["params"]["config"]), file=sys.stderr, flush=True)
                result = {"provider_name": "\(name)", "supported_models": ["py-1", "py-2"]}
            elif method == "health_check":
                result = health(request.get("params"))
            else:
                count += 1
                result = generate(request.get("params"))
            if isinstance(result, dict) and "__error__" in result:
                print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": result["__error__"]}), flush=True)
            elif result is not None:
                print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}), flush=True)
        while globals().get("IGNORE_SHUTDOWN"):
            time.sleep(0.1)
        """)
    return workspace.path("plugins/\(name)")
}

/// Whether a process with this id still exists.
func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0
}

/// Whether the process is gone (killed and reaped) within `limit`, polling.
func processEnds(_ pid: Int32, within limit: Duration) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while processExists(pid) {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return true
}
