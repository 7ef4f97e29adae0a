import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
@testable import AITicker
@testable import TickerCore

/// A loopback server speaking the vendors' documented wire formats: OpenAI chat completions
/// (`…/chat/completions`, `…/models`), Anthropic Messages (`…/v1/messages`, `…/v1/models`),
/// Gemini (`…:generateContent`, `…/v1beta/models`) and Ollama (`/api/chat`, `/api/tags`).
/// It records every request and answers either from a script or with the vendor's usual success.
final class FakeVendor: Sendable {
    struct Recorded: Sendable {
        var method: String
        var path: String
        var query: String
        var headers: [String: String]
        var body: JSONValue
    }

    enum Reply: Sendable {
        case json(Int, String, headers: [(String, String)] = [])
        case raw(Int, contentType: String, Data)
        /// Never answers.
        case hang
        /// Sends the status and headers, then the body a few bytes at a time, slowly.
        case trickle(String, chunkDelay: Duration)
    }

    private let state = Mutex<(requests: [Recorded], script: [Reply], counter: Int)>(([], [], 0))
    /// Set when the test body is done, so hanging replies end and the server can stop.
    private let stopped = Atomic<Bool>(false)

    var requests: [Recorded] { state.withLock { $0.requests } }

    /// Answers the next generation requests (POSTs) with these, in order.
    func script(_ replies: Reply...) {
        state.withLock { $0.script += replies }
    }

    /// Starts the server and runs `body` with its base URL (`http://127.0.0.1:PORT`).
    func run<T: Sendable>(_ body: @Sendable @escaping (String) async throws -> T) async throws -> T {
        let router = Router()
        router.on("**", method: .get) { request, _ in try await self.handle(request) }
        router.on("**", method: .post) { request, _ in try await self.handle(request) }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            defer { self.stopped.store(true, ordering: .releasing) }
            return try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    private func handle(_ request: Request) async throws -> Response {
        let data = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let path = request.uri.path
        let recorded = Recorded(method: request.method.rawValue, path: path, query: request.uri.query ?? "", headers: headers,
                                body: (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: data))) ?? .null)
        let (reply, n) = state.withLock { state -> (Reply?, Int) in
            state.requests.append(recorded)
            state.counter += 1
            if request.method == .post, !state.script.isEmpty { return (state.script.removeFirst(), state.counter) }
            return (nil, state.counter)
        }
        switch reply ?? Self.success(path: path, n: n) {
        case .json(let status, let text, let extra):
            var fields: HTTPFields = [.contentType: "application/json"]
            for (name, value) in extra { fields[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .raw(let status, let contentType, let bytes):
            return Response(status: .init(code: status), headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .hang:
            while !stopped.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(20)) }
            return Response(status: .serviceUnavailable)
        case .trickle(let text, let delay):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                for byte in text.utf8 where !self.stopped.load(ordering: .acquiring) {
                    try await writer.write(ByteBuffer(bytes: [byte]))
                    try await Task.sleep(for: delay)
                }
                try await writer.finish(nil)
            })
        }
    }

    /// The vendor's usual success for `path`; message `n` says which request it answers.
    static func success(path: String, n: Int) -> Reply {
        if path.hasSuffix("/chat/completions") {
            return .json(200, #"{"id":"chatcmpl-\#(n)","object":"chat.completion","created":1700000000,"model":"gpt-test","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from OpenAI number \#(n)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":6,"total_tokens":17}}"#)
        } else if path.hasSuffix("/v1/messages") {
            return .json(200, #"{"id":"msg_\#(n)","type":"message","role":"assistant","model":"claude-test","content":[{"type":"text","text":"Hello from "},{"type":"text","text":"Claude number \#(n)"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":7}}"#)
        } else if path.hasSuffix(":generateContent") {
            return .json(200, #"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello from Gemini number \#(n)"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":13,"candidatesTokenCount":8,"totalTokenCount":21},"modelVersion":"gemini-test","responseId":"gem-\#(n)"}"#)
        } else if path == "/api/chat" {
            return .json(200, #"{"model":"llama-test","created_at":"2026-11-21T10:00:00Z","message":{"role":"assistant","content":"Hello from Ollama number \#(n)"},"done":true,"done_reason":"stop","prompt_eval_count":14,"eval_count":9}"#)
        } else if path.hasSuffix("/v1beta/models") {
            return .json(200, #"{"models":[{"name":"models/gemini-test"},{"name":"models/gemini-other"}]}"#)
        } else if path == "/api/tags" {
            return .json(200, #"{"models":[{"name":"llama-test"},{"name":"qwen-test"}]}"#)
        } else if path.hasSuffix("/models") {
            return .json(200, #"{"object":"list","data":[{"id":"model-a"},{"id":"model-b"}]}"#)
        }
        return .json(404, #"{"error":{"message":"no route \#(path)"}}"#)
    }
}
