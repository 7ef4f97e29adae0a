import AsyncHTTPClient
import Foundation
import NIOCore

/// One Server-Sent Event, or a comment line (a heartbeat).
struct SSEEvent: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String?
    var comment: String?
    var retry: Int?
}

/// Reads an SSE response with AsyncHTTPClient and yields its events as they arrive.
struct SSEClient {
    /// Its own client: the shared one allows few connections per host, and streams hold theirs.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Opens the stream; the status and the events that follow.
    static func connect(_ url: String, lastEventID: String? = nil) async throws -> (status: Int, events: AsyncThrowingStream<SSEEvent, any Error>, task: Task<Void, Never>) {
        var request = HTTPClientRequest(url: url)
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SSEEvent.self)
        let body = response.body
        let task = Task {
            var pending = ""
            do {
                for try await buffer in body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let block = String(pending[..<end.lowerBound])
                        pending = String(pending[end.upperBound...])
                        continuation.yield(parse(block))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return (Int(response.status.code), stream, task)
    }

    static func parse(_ block: String) -> SSEEvent {
        var event = SSEEvent()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { event.comment = line.dropFirst().trimmingCharacters(in: .whitespaces); continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { String($0) }
            let value = parts.count > 1 ? parts[1].trimmingCharacters(in: .init(charactersIn: " ")) : ""
            switch parts.first {
            case "id": event.id = value
            case "event": event.event = value
            case "data": event.data = (event.data.map { $0 + "\n" } ?? "") + value
            case "retry": event.retry = Int(value)
            default: break
            }
        }
        return event
    }
}

extension AsyncThrowingStream<SSEEvent, any Error>.Iterator {
    /// The next event that carries a message (skipping retry hints and heartbeats).
    mutating func nextMessage() async throws -> SSEEvent? {
        while let event = try await next() {
            if event.event == "message" { return event }
        }
        return nil
    }
}
