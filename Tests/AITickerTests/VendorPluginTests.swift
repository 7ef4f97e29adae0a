import AsyncHTTPClient
import Foundation
import Logging
import Testing
@testable import AITicker
@testable import TickerConfig
@testable import TickerCore
@testable import TickerProviders
@testable import TickerRuntime

let testKey = "sk-test-secret-4c1d"

func makeProvider(_ plugin: any AIProviderPlugin, base: String?, key: String? = testKey, model: String? = nil,
                  timeout: Double = 2, extraParams: [String: JSONValue] = [:], extraHeaders: [String: String] = [:]) throws -> any AIProvider {
    let config = ProviderConfig(name: "test", apiKey: key, baseURL: base, model: model, timeout: timeout, maxTokens: 77,
                                temperature: 0.3, extraParams: extraParams, extraHeaders: extraHeaders)
    return try plugin.makeProvider(config: config, context: ProviderContext(httpClient: testHTTPClient, logger: Logger(label: "test")))
}

/// Runs one generation and returns the error it threw, or nil.
/// Why the tick's answer check turns down the provider's next answer; nil when it accepts it.
func answerRejection(_ provider: any AIProvider) async throws -> String? {
    let answer = try await provider.generateMessage(systemPrompt: "s", userPrompt: "u")
    let ticker = TickerConfiguration(intervalSeconds: 60, profile: "p", systemPrompt: "s", userPrompt: "u", fuzzyThreshold: 85,
                                     dedupeWindow: 0, retention: 10, tickDeadlineSeconds: 60)
    return AnswerCheck.rejection(of: answer, recent: [], threshold: ticker.fuzzyThreshold, maxLength: ticker.maxMessageLength)?.1
}

func generationError(_ provider: any AIProvider) async -> ProviderError? {
    do {
        _ = try await provider.generateMessage(systemPrompt: "s", userPrompt: "u")
        return nil
    } catch {
        return error as? ProviderError ?? .unavailable("not a ProviderError: \(error)")
    }
}

@Suite("Vendor plugins against loopback servers")
struct VendorPluginTests {
    @Test func openAISendsTheDocumentedRequestAndReadsTheAnswer() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(OpenAICompatiblePlugin(), base: base + "/v1", model: "gpt-test",
                                            extraParams: ["top_p": .number(0.9), "temperature": .number(0.1)],
                                            extraHeaders: ["X-Title": "ai-ticker"])
            let answer = try await provider.generateMessage(systemPrompt: "be brief", userPrompt: "say hi")
            #expect(answer.content == "Hello from OpenAI number 1")
            #expect(answer.model == "gpt-test")
            #expect(answer.usage == Usage(promptTokens: 11, completionTokens: 6, totalTokens: 17))
            #expect(answer.metadata == ResponseMetadata(responseID: "chatcmpl-1", created: 1_700_000_000, finishReason: "stop"))
            let request = try #require(vendor.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.headers["authorization"] == "Bearer \(testKey)")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-title"] == "ai-ticker")
            #expect(request.body["model"] == .string("gpt-test"))
            #expect(request.body["max_tokens"]?.doubleValue == 77)
            #expect(request.body["temperature"]?.doubleValue == 0.1, "extra_params override the defaults")
            #expect(request.body["top_p"]?.doubleValue == 0.9)
            #expect(request.body["messages"] == .array([
                .object(["role": .string("system"), "content": .string("be brief")]),
                .object(["role": .string("user"), "content": .string("say hi")]),
            ]))
        }
    }

    @Test func presetsCarryTheirDefaultsAndKeyVariables() throws {
        let presets = Dictionary(uniqueKeysWithValues: OpenAICompatiblePlugin.presets.map { ($0.name, $0) })
        #expect(presets["openrouter"]?.baseURL == "https://openrouter.ai/api/v1")
        #expect(presets["groq"]?.keyVariables == ["GROQ_API_KEY"])
        #expect(Set(presets.keys) == ["openai", "openrouter", "together", "deepinfra", "groq", "mistral"])
        let generic = #expect(throws: ProviderError.self) { try makeProvider(OpenAICompatiblePlugin(), base: nil, model: "m") }
        #expect(generic == .misconfigured("base_url is required"))
        let badURL = #expect(throws: ProviderError.self) { try makeProvider(OpenAICompatiblePlugin(), base: "ftp://x", model: "m") }
        #expect(badURL?.message.contains("is not an http(s) URL") == true)
    }

    @Test func presetBaseURLVariablesOverrideTheDefault() throws {
        let workspace = try TestWorkspace()
        let configuration = try workspace.load(config: pluginConfig(#"{"openrouter": {"config": {"api_key": null}}}"#),
                                               environment: ["OPENROUTER_API_KEY": "k", "OPENROUTER_BASE_URL": "http://127.0.0.1:9/v1"])
        #expect(configuration.providers[0].config.baseURL == "http://127.0.0.1:9/v1")
        #expect(configuration.providers[0].config.apiKey == "k")
        #expect(configuration.providers[0].unavailableReason == nil)
    }

    @Test func statusCodesAndHintsBecomeErrorClasses() async throws {
        let vendor = FakeVendor()
        let date = Date().addingTimeInterval(120)
        let httpDate = {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            return formatter.string(from: date)
        }()
        try await vendor.run { base in
            let provider = try makeProvider(OpenAICompatiblePlugin(), base: base + "/v1", model: "m")
            let cases: [(FakeVendor.Reply, (ProviderError) -> Bool)] = [
                (.json(401, #"{"error":{"message":"Incorrect API key provided: \#(testKey)","type":"invalid_request_error"}}"#),
                 { if case .unauthorized(let m) = $0 { !m.contains(testKey) && m.contains("***") } else { false } }),
                (.json(403, #"{"error":{"message":"forbidden"}}"#), { if case .unauthorized = $0 { true } else { false } }),
                (.json(404, #"{"error":{"message":"The model m does not exist"}}"#), { if case .misconfigured = $0 { true } else { false } }),
                (.json(429, #"{"error":{"message":"slow down"}}"#, headers: [("retry-after-ms", "1500")]), { $0 == .rateLimited(retryAfter: 1.5) }),
                (.json(429, #"{"error":{"message":"slow down"}}"#, headers: [("retry-after", "7")]), { $0 == .rateLimited(retryAfter: 7) }),
                (.json(429, #"{"error":{"message":"slow down"}}"#, headers: [("retry-after", httpDate)]),
                 { if case .rateLimited(let after?) = $0 { after > 100 && after <= 121 } else { false } }),
                (.json(429, #"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#),
                 { if case .quotaExhausted = $0 { true } else { false } }),
                (.json(402, #"{"error":{"message":"Insufficient credits"}}"#), { if case .quotaExhausted = $0 { true } else { false } }),
                (.json(400, #"{"error":{"message":"bad field"}}"#), { if case .badRequest = $0 { true } else { false } }),
                (.json(408, "{}"), { if case .unavailable = $0 { true } else { false } }),
                (.json(500, "{}"), { if case .unavailable = $0 { true } else { false } }),
                (.json(503, "{}"), { if case .unavailable = $0 { true } else { false } }),
                (.json(529, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#), { if case .unavailable = $0 { true } else { false } }),
                (.raw(200, contentType: "text/html", Data("<html>gateway</html>".utf8)), { if case .badResponse = $0 { true } else { false } }),
                (.json(200, #"{"unexpected": true}"#), { if case .badResponse = $0 { true } else { false } }),
                (.json(200, #"{"id":"x","choices":[{"message":{"content":"Hel"#), { if case .badResponse = $0 { true } else { false } }),
                (.raw(200, contentType: "application/json", Data(repeating: UInt8(ascii: " "), count: 10 << 20)),
                 { $0 == .badResponse("response body larger than 1 MiB") }),
            ]
            for (reply, _) in cases { vendor.script(reply) }
            for (index, (_, check)) in cases.enumerated() {
                let error = await generationError(provider)
                #expect(error.map(check) == true, "case \(index): \(String(describing: error))")
            }
        }
    }

    /// The provider reports what the vendor said; the tick's one answer check turns it down.
    @Test func emptyAndCutOffAnswersComeBackAsSaidAndAreRejectedByTheAnswerCheck() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(OpenAICompatiblePlugin(), base: base + "/v1", model: "m")
            let cases: [(String, String)] = [
                (#"{"choices":[{"message":{"content":"  "},"finish_reason":"stop"}]}"#, "empty content"),
                (#"{"choices":[{"message":{"content":null},"finish_reason":"stop"}]}"#, "empty content"),
                (#"{"choices":[{"message":{"content":"Half a sen"},"finish_reason":"length"}]}"#, "cut off (finish_reason length)"),
                (#"{"choices":[{"message":{"content":"x"},"finish_reason":"content_filter"}]}"#, "withheld by the vendor (finish_reason content_filter)"),
            ]
            for (body, _) in cases { vendor.script(.json(200, body)) }
            for (body, expected) in cases {
                #expect(try await answerRejection(provider) == expected, "\(body)")
            }
        }
    }

    @Test func hangingAndTricklingUpstreamsEndWhenTheAttemptTimeoutCancelsThem() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(OpenAICompatiblePlugin(), base: base + "/v1", model: "m", timeout: 0.5)
            vendor.script(.hang, .trickle(String(repeating: " ", count: 200), chunkDelay: .milliseconds(20)))
            for _ in 0..<2 {
                let start = ContinuousClock.now
                let error = await #expect(throws: TimeoutError.self) {
                    try await withTimeout(seconds: 0.5) { try await provider.generateMessage(systemPrompt: "s", userPrompt: "u") }
                }
                #expect(ProviderError(error!) == .timeout)
                #expect(start.duration(to: .now) < .seconds(10), "cut off near the 0.5 s timeout, not left hanging (slack for a busy machine: 6.4 s seen)")
            }
        }
    }

    @Test func aRefusedConnectionIsUnavailable() async throws {
        let provider = try makeProvider(OpenAICompatiblePlugin(), base: "http://127.0.0.1:9/v1", model: "m")
        guard case .unavailable(let message) = await generationError(provider) else { Issue.record("expected unavailable"); return }
        #expect(!message.contains(testKey))
    }

    @Test func healthChecksListModelsWithoutSpendingTokens() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let openai = try makeProvider(OpenAICompatiblePlugin(), base: base + "/v1", model: "model-b")
            #expect(await openai.healthCheck().healthy)
            #expect(await openai.supportedModels == ["model-b", "model-a"])
            let anthropic = try makeProvider(AnthropicPlugin(), base: base + "/anthropic")
            #expect(await anthropic.healthCheck().healthy)
            let gemini = try makeProvider(GeminiPlugin(), base: base + "/gemini", model: "gemini-test")
            #expect(await gemini.healthCheck().healthy)
            #expect(await gemini.supportedModels == ["gemini-test", "gemini-other"])
            let ollama = try makeProvider(OllamaPlugin(), base: base, key: nil, model: "qwen-test")
            #expect(await ollama.healthCheck().healthy)
            #expect(vendor.requests.map { "\($0.method) \($0.path)" } == [
                "GET /v1/models", "GET /anthropic/v1/models", "GET /gemini/v1beta/models", "GET /api/tags",
            ])
            #expect(vendor.requests[1].headers["x-api-key"] == testKey)
            #expect(vendor.requests[2].headers["x-goog-api-key"] == testKey)
            #expect(!vendor.requests.contains { $0.method == "POST" })
        }
        let down = try makeProvider(OpenAICompatiblePlugin(), base: "http://127.0.0.1:9/v1", model: "m")
        #expect(await !down.healthCheck().healthy)
    }

    @Test func anthropicSendsTheMessagesAPIShape() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(AnthropicPlugin(), base: base + "/anthropic", model: "claude-test")
            let answer = try await provider.generateMessage(systemPrompt: "sys", userPrompt: "usr")
            #expect(answer.content == "Hello from Claude number 1")
            #expect(answer.usage == Usage(promptTokens: 12, completionTokens: 7))
            #expect(answer.metadata.finishReason == "end_turn")
            let request = try #require(vendor.requests.first)
            #expect(request.path == "/anthropic/v1/messages")
            #expect(request.headers["x-api-key"] == testKey)
            #expect(request.headers["anthropic-version"] == "2023-06-01")
            #expect(request.headers["authorization"] == nil)
            #expect(request.body["system"] == .string("sys"))
            #expect(request.body["max_tokens"]?.doubleValue == 77)
            #expect(request.body["messages"] == .array([.object(["role": .string("user"), "content": .string("usr")])]))

            vendor.script(.json(200, #"{"id":"m","type":"message","content":[{"type":"text","text":"cut"}],"stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":77}}"#),
                          .json(529, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
                          .json(401, #"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#))
            #expect(try await answerRejection(provider) == "cut off (finish_reason max_tokens)")
            guard case .unavailable = await generationError(provider) else { Issue.record("529 should be retryable"); return }
            guard case .unauthorized = await generationError(provider) else { Issue.record("401 should be unauthorized"); return }
        }
    }

    @Test func geminiKeepsTheKeyOutOfTheURLAndReadsItsErrors() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(GeminiPlugin(), base: base + "/gemini", model: "gemini-test")
            let answer = try await provider.generateMessage(systemPrompt: "sys", userPrompt: "usr")
            #expect(answer.content == "Hello from Gemini number 1")
            #expect(answer.usage == Usage(promptTokens: 13, completionTokens: 8, totalTokens: 21))
            #expect(answer.metadata.responseID == "gem-1")
            let request = try #require(vendor.requests.first)
            #expect(request.path == "/gemini/v1beta/models/gemini-test:generateContent")
            #expect(request.query.isEmpty)
            #expect(request.headers["x-goog-api-key"] == testKey)
            #expect(request.body["systemInstruction"]?["parts"]?[0]?["text"] == .string("sys"))
            #expect(request.body["contents"]?[0]?["parts"]?[0]?["text"] == .string("usr"))
            #expect(request.body["generationConfig"]?["maxOutputTokens"]?.doubleValue == 77)

            vendor.script(
                .json(200, #"{"promptFeedback":{"blockReason":"SAFETY"}}"#),
                .json(200, #"{"candidates":[]}"#),
                .json(429, #"{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"31s"}]}}"#),
                .json(429, #"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3600s"}]}}"#),
                .json(400, #"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#),
                .json(200, #"{"candidates":[{"content":{"parts":[{"text":"cut"}]},"finishReason":"MAX_TOKENS"}]}"#)
            )
            #expect(await generationError(provider) == .badResponse("prompt blocked: SAFETY"))
            #expect(await generationError(provider) == .badResponse("no candidate in the answer"))
            #expect(await generationError(provider) == .rateLimited(retryAfter: 31))
            guard case .quotaExhausted(let until?) = await generationError(provider) else { Issue.record("daily quota"); return }
            #expect(until.timeIntervalSinceNow > 3_500)
            guard case .unauthorized = await generationError(provider) else { Issue.record("API_KEY_INVALID"); return }
            #expect(try await answerRejection(provider) == "cut off (finish_reason MAX_TOKENS)")
        }
    }

    @Test func ollamaUsesItsNativeChatAPI() async throws {
        let vendor = FakeVendor()
        try await vendor.run { base in
            let provider = try makeProvider(OllamaPlugin(), base: base, key: nil, model: "llama-test")
            let answer = try await provider.generateMessage(systemPrompt: "sys", userPrompt: "usr")
            #expect(answer.content == "Hello from Ollama number 1")
            #expect(answer.usage == Usage(promptTokens: 14, completionTokens: 9))
            #expect(answer.metadata.finishReason == "stop")
            let request = try #require(vendor.requests.first)
            #expect(request.path == "/api/chat")
            #expect(request.body["stream"] == .bool(false))
            #expect(request.body["options"]?["num_predict"]?.doubleValue == 77)
            #expect(request.headers["authorization"] == nil)
            vendor.script(.json(200, #"{"model":"llama-test","message":{"role":"assistant","content":"cut"},"done":true,"done_reason":"length"}"#),
                          .json(404, #"{"error":"model \"nope\" not found, try pulling it first"}"#))
            #expect(try await answerRejection(provider) == "cut off (finish_reason length)")
            guard case .misconfigured(let message) = await generationError(provider) else { Issue.record("404 model"); return }
            #expect(message.contains("not found, try pulling it first"))
        }
    }
}
