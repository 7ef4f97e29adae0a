// The reference for the benchmarks: the smallest Hummingbird server answering the measured routes
// with fixed bytes (read from files at start), with the same content type as ai-ticker. A history
// request with `before` gets the BEFORE_FILE's bytes when one is given; a channel's message
// (`/api/channels/{name}/message`) the CHANNEL_FILE's.
// Usage: bench-reference PORT MESSAGE_FILE HISTORY_FILE [BEFORE_FILE [CHANNEL_FILE]]
import Foundation
import Hummingbird

let arguments = CommandLine.arguments
guard (4...6).contains(arguments.count), let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: bench-reference PORT MESSAGE_FILE HISTORY_FILE [BEFORE_FILE [CHANNEL_FILE]]\n".utf8))
    exit(2)
}
let message = ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[2])))
let newest = ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[3])))
let before = arguments.count >= 5 ? ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[4]))) : newest
let channelMessage = arguments.count == 6 ? ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[5]))) : message
let router = Router()
router.get("/api/message") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: message))
}
router.get("/api/channels/:name/message") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: channelMessage))
}
router.get("/api/messages") { request, _ in
    let history = request.uri.queryParameters["before"] == nil ? newest : before
    return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: history))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
