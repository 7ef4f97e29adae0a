// The reference for the benchmarks: the smallest Hummingbird server answering the two measured
// routes with fixed bytes (read from files at start), with the same content type as ai-ticker.
// Usage: bench-reference PORT MESSAGE_FILE HISTORY_FILE
import Foundation
import Hummingbird

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: bench-reference PORT MESSAGE_FILE HISTORY_FILE\n".utf8))
    exit(2)
}
let message = ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[2])))
let history = ByteBuffer(data: try Data(contentsOf: URL(fileURLWithPath: arguments[3])))
let router = Router()
router.get("/api/message") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: message))
}
router.get("/api/messages") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: history))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
