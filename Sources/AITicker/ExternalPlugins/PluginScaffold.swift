import Foundation

/// `ai-ticker plugins new NAME`: a working plugin to start from, in Python or Swift.
public enum PluginScaffold {
    public enum Language: String, CaseIterable, Sendable {
        case python, swift
    }

    /// Writes the plugin into `parent/NAME` and returns the files written. Refuses to overwrite.
    public static func create(name: String, language: Language, parent: String) throws -> [String] {
        guard name.range(of: #"^[a-z0-9][a-z0-9_-]{0,63}$"#, options: .regularExpression) != nil else {
            throw ScaffoldError("\"\(name)\" must be lowercase letters, digits, - or _")
        }
        let directory = URL(fileURLWithPath: parent).appendingPathComponent(name)
        guard !FileManager.default.fileExists(atPath: directory.path) else { throw ScaffoldError("\(directory.path) already exists") }
        let files: [(String, String, Bool)] = switch language {
        case .python: [("plugin.json", manifest(name, command: #"["python3", "plugin.py"]"#), false), ("plugin.py", python(name), true)]
        case .swift: [
            ("plugin.json", manifest(name, command: #"[".build/release/\#(name)"]"#), false),
            ("Package.swift", swiftPackage(name), false),
            ("Sources/\(name)/main.swift", swiftMain(name), false),
        ]
        }
        var written: [String] = []
        for (path, text, executable) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
            written.append(url.path)
        }
        return written
    }

    public struct ScaffoldError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static func manifest(_ name: String, command: String) -> String {
        """
        {
          "name": "\(name)",
          "display_name": "\(name)",
          "version": "0.1.0",
          "author": "you",
          "description": "Describe what \(name) does.",
          "requires": [],
          "category": "custom",
          "api_version": "v1",
          "supported_features": [],
          "command": \(command),
          "supported_models": ["\(name)-1"]
        }

        """
    }

    static func python(_ name: String) -> String {
        #"""
        #!/usr/bin/env python3
        """ai-ticker plugin "\#(name)": JSON-RPC 2.0 over stdin/stdout, one JSON object per line."""
        import json
        import sys

        config = {}
        count = 0


        def initialize(params):
            config.update(params.get("config") or {})
            return {"provider_name": "\#(name)", "supported_models": ["\#(name)-1"]}


        def health_check(params):
            # Check reachability here without spending tokens (e.g. list models).
            return {"healthy": True}


        def generate_message(params):
            global count
            count += 1
            # Call your model here with params["system_prompt"] and params["user_prompt"].
            # To fail, raise PluginError("why", "rate_limited", retry_after=30).
            return {"content": f"Message {count} from \#(name).", "model": config.get("model") or "\#(name)-1",
                    "usage": {"prompt_tokens": 0, "completion_tokens": 4}}


        class PluginError(Exception):
            def __init__(self, message, kind="unavailable", retry_after=None):
                super().__init__(message)
                self.kind, self.retry_after = kind, retry_after


        METHODS = {"initialize": initialize, "health_check": health_check, "generate_message": generate_message}

        for line in sys.stdin:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if request.get("method") == "shutdown":
                break
            reply = {"jsonrpc": "2.0", "id": request.get("id")}
            try:
                reply["result"] = METHODS[request.get("method")](request.get("params") or {})
            except PluginError as error:
                data = {"kind": error.kind}
                if error.retry_after is not None:
                    data["retry_after"] = error.retry_after
                reply["error"] = {"code": -32000, "message": str(error), "data": data}
            except Exception as error:
                reply["error"] = {"code": -32603, "message": str(error), "data": {"kind": "unavailable"}}
            print(json.dumps(reply), flush=True)

        """#
    }

    static func swiftPackage(_ name: String) -> String {
        """
        // swift-tools-version: 6.0
        import PackageDescription

        let package = Package(
            name: "\(name)",
            targets: [.executableTarget(name: "\(name)")]
        )

        """
    }

    static func swiftMain(_ name: String) -> String {
        #"""
        // ai-ticker plugin "\#(name)": JSON-RPC 2.0 over stdin/stdout, one JSON object per line.
        // Build with `swift build -c release`; plugin.json runs .build/release/\#(name).
        import Foundation

        var count = 0

        @MainActor
        func handle(_ method: String, _ params: [String: Any]) throws -> Any {
            switch method {
            case "initialize":
                return ["provider_name": "\#(name)", "supported_models": ["\#(name)-1"]]
            case "health_check":
                return ["healthy": true]
            case "generate_message":
                count += 1
                // Call your model here with params["system_prompt"] and params["user_prompt"].
                return ["content": "Message \(count) from \#(name).", "model": "\#(name)-1",
                        "usage": ["prompt_tokens": 0, "completion_tokens": 4]]
            default:
                throw NSError(domain: "plugin", code: -32601, userInfo: [NSLocalizedDescriptionKey: "unknown method \(method)"])
            }
        }

        while let line = readLine() {
            guard let data = line.data(using: .utf8),
                  let request = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let method = request["method"] as? String else { continue }
            if method == "shutdown" { break }
            var reply: [String: Any] = ["jsonrpc": "2.0", "id": request["id"] ?? NSNull()]
            do {
                reply["result"] = try handle(method, request["params"] as? [String: Any] ?? [:])
            } catch {
                reply["error"] = ["code": -32000, "message": "\(error.localizedDescription)", "data": ["kind": "unavailable"]]
            }
            let output = try JSONSerialization.data(withJSONObject: reply)
            FileHandle.standardOutput.write(output + Data("\n".utf8))
        }

        """#
    }
}
