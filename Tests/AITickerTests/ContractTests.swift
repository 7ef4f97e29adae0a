import AsyncHTTPClient
import Foundation
import HTTPTypes
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import TickerClient
import Testing
@testable import AITicker

/// The service against its contract: every route is called through the client generated from
/// `Sources/TickerHTTP/Resources/openapi.json` (the file the binary serves; the client is committed in TickerClient), so an undocumented status, a missing
/// required field or a wrong type fails here. `try output.ok` throws for any other status and
/// `.body.json` decodes through the generated types.
@Suite("Contract")
struct ContractTests {
    /// The bearer token (and optionally other headers) on every request.
    struct Headers: ClientMiddleware {
        var fields: HTTPFields

        func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                       next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            for field in fields { request.headerFields[field.name] = field.value }
            return try await next(request, body, baseURL)
        }
    }

    static func client(port: Int, headers: HTTPFields = [.authorization: "Bearer \(adminToken)"]) -> Client {
        Client(serverURL: URL(string: "http://127.0.0.1:\(port)")!,
               configuration: Configuration(dateTranscoder: .iso8601WithFractionalSeconds),
               transport: AsyncHTTPClientTransport(configuration: .init(client: testHTTPClient, timeout: .seconds(10))),
               middlewares: [Headers(fields: headers)])
    }

    static let config = pluginConfig(#"{"m": {"plugin": "mock", "config": {"extra_params": {"content": "contract {uuid}"}}}}"#)

    /// The codes the service answers with are the ones the contract lists, no more, no fewer.
    @Test func theContractListsEveryErrorCode() {
        #expect(Components.Schemas._Error._ErrorPayload.CodePayload.allCases.map(\.rawValue) == ErrorCode.allCases.map(\.rawValue))
    }

    @Test func everyReadRouteAnswersInItsDocumentedShape() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            let api = Self.client(port: http.port!)
            let none = try await api.getMessage().notFound.body.json
            #expect(none.error.code == .notFound)
            _ = try await api.getLatestMessage().notFound.body.json
            _ = await services.ticks.tick(trigger: .manual)

            let answer = try await api.getMessage().ok
            let summary = try answer.body.json
            #expect(summary.message.hasPrefix("contract "))
            let etag = try #require(answer.headers.eTag)
            // Through a middleware: the generated client percent-encodes header parameters ("m1" → %22m1%22).
            _ = try await Self.client(port: http.port!, headers: [.ifNoneMatch: etag]).getMessage().notModified
            _ = try await api.getMessageHead().ok
            let latest = try await api.getLatestMessage().ok.body.json
            #expect(latest.id == summary.id)
            _ = try await api.getLatestMessageHead().ok

            let page = try await api.listMessages(query: .init(limit: 5)).ok.body.json
            #expect(page.messages.map(\.id) == [latest.id])
            #expect(try await api.listMessages(query: .init(limit: 0)).badRequest.body.json.error.code == .badRequest)
            _ = try await api.listMessagesHead().ok
            #expect(try await api.getMessageById(path: .init(id: latest.id)).ok.body.json.content == latest.content)
            _ = try await api.getMessageById(path: .init(id: latest.id + 1000)).notFound.body.json
            _ = try await api.getMessageByIdHead(path: .init(id: latest.id)).ok

            #expect(try await api.listTicks().ok.body.json.ticks.first?.outcome == .stored)
            _ = try await api.listTicks(query: .init(limit: -1)).badRequest.body.json
            _ = try await api.listTicksHead().ok
            let health = try await api.getHealth().ok.body.json
            #expect(health.status == .healthy && health.providers.additionalProperties == ["m": true] && health.cacheSize == 1)
            _ = try await api.getHealthHead().ok
            let list = try await api.listProviders().ok.body.json
            #expect(list.ranking == ["m"] && list.providers.additionalProperties["m"]?.id == "m")
            _ = try await api.listProvidersHead().ok
            #expect(try await api.listPlugins().ok.body.json.plugins.contains { $0.name == "mock" })
            _ = try await api.listPluginsHead().ok

            let metrics = try await String(collecting: api.getMetrics().ok.body.plainText, upTo: 1 << 20)
            #expect(metrics.contains("ai_ticker_ticks_total"))
            _ = try await api.getMetricsHead().ok
            _ = try await api.getOpenAPI().ok.body.json
            _ = try await api.getOpenAPIHead().ok
            #expect(try await String(collecting: api.tickerPage().ok.body.html, upTo: 1 << 20).contains("<main"))
            _ = try await api.tickerScript().ok.body.textJavascript
            _ = try await api.tickerStyle().ok.body.textCss
            _ = try await api.tickerIcon().ok.body.imageSvgXml
            _ = try await api.tickerPageHead().ok
            _ = try await api.tickerScriptHead().ok
            _ = try await api.tickerStyleHead().ok
            _ = try await api.tickerIconHead().ok
            _ = try await api.streamMessagesHead().ok
            _ = try await api.streamMessages(headers: .init(lastEventID: "not-a-number")).badRequest.body.json
        }
    }

    @Test func everyAdminRouteAnswersInItsDocumentedShape() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, http in
            let port = http.port!
            let api = Self.client(port: port)
            let created = try await api.generateMessage().created.body.json
            #expect(created.source == .generated && created.attempts.first?.outcome == .success)
            let reloaded = try await api.reloadProviders().ok.body.json
            #expect(reloaded.status == .success && reloaded.providers == ["m"] && reloaded.details.map(\.id) == ["m"])
            _ = try await api.reloadProviders(query: .init(dryRun: true)).ok.body.json
            let config = try await api.getConfig().ok.body.json
            #expect(config.config.contains { $0.key == "ticker.interval_seconds" })
            _ = try await api.getConfigHead().ok
            let patched = try await api.patchConfig(body: .json(.init(additionalProperties: ["ticker.interval_seconds": .case2(600)]))).ok.body.json
            #expect(patched.config.first { $0.key == "ticker.interval_seconds" }?.source.contains("runtime") == true)
            let refused = try await api.patchConfig(body: .json(.init(additionalProperties: ["database.path": .case1("/tmp/x")]))).unprocessableContent.body.json
            #expect(refused.error.code == .invalidConfiguration)
            _ = try await api.deleteConfig(path: .init(key: "ticker.interval_seconds")).ok.body.json
            _ = try await api.deleteConfig(path: .init(key: "ticker.interval_seconds")).notFound.body.json

            _ = try await Self.client(port: port, headers: [:]).getConfig().unauthorized.body.json
            let foreign = Self.client(port: port, headers: [.authorization: "Bearer \(adminToken)", .origin: "https://evil.example"])
            #expect(try await foreign.getConfig().forbidden.body.json.error.code == .forbiddenOrigin)
            let rebound = Self.client(port: port, headers: [.authorization: "Bearer \(adminToken)", HTTPField.Name("Host")!: "evil.example"])
            #expect(try await rebound.getHealth().misdirectedRequest.body.json.error.code == .hostNotAllowed)
            let wrong = Self.client(port: port, headers: [.authorization: "Bearer wrong"])
            for _ in 0..<9 { _ = try await wrong.getConfig().unauthorized }  // the 2nd to 10th failures (the missing token above; the origin's refusal does not count)
            _ = try await wrong.getConfig().tooManyRequests.body.json
        }
    }

    /// A method a route does not have: 405 with the Error shape and the Allow header.
    @Test func aWrongMethodIsTheDocumentedMethodNotAllowed() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { _, _, http in
            let answer = try await rawHTTP(port: http.port!, "DELETE /api/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(answer.status == 405)
            #expect(answer.text.lowercased().contains("allow: "))
            let body = try #require(answer.text.range(of: "\r\n\r\n").map { answer.text[$0.upperBound...] })
            let error = try JSONDecoder().decode(Components.Schemas._Error.self, from: Data(body.utf8))
            #expect(error.error.code == .methodNotAllowed)
        }
    }
}
