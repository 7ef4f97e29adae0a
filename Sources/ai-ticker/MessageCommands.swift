import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

struct Messages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the newest stored messages.")
    @OptionGroup var common: CommonOptions
    @Option(help: "How many (\(ListLimit.range.lowerBound)–\(ListLimit.range.upperBound)).")
    var limit: Int = 10
    @Option(help: "The channel whose messages to print.")
    var channel: String = defaultChannel

    func run() async throws {
        guard ListLimit.range.contains(limit) else {
            throw ValidationError("--limit must be from \(ListLimit.range.lowerBound) to \(ListLimit.range.upperBound)")
        }
        let options = common.options
        let messages = try await withStore(options) { _, store in try await store.messages(channel: channel, limit: limit, before: nil) }
        print(Table.render(header: ["ID", "CREATED", "PROVIDER", "MODEL", "MESSAGE"],
                           rows: messages.map { [String($0.id), RFC3339.string(from: $0.createdAt), $0.provider, $0.model, $0.content] }))
    }
}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import the original AI-Ticker's message cache (a JSON list of strings), oldest first.",
        discussion: "Messages already stored are skipped, so running it twice imports nothing twice. A malformed file changes nothing.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The cache file (default: ticker.import_file, $CACHE_FILE, message_cache.json).")
    var file: String?

    func run() async throws {
        let options = common.options
        let report = try await withStore(options) { configuration, store in
            let path = file ?? configuration.importFile ?? "message_cache.json"
            do {
                return (path, try await MessageImport.run(path: path, store: store, ticker: configuration.ticker))
            } catch let error as MessageImport.ImportError {
                printError("ai-ticker: \(error)")
                throw ExitCode(2)
            }
        }
        for (position, reason) in report.1.rejected { print("\(report.0): item \(position) not imported: \(reason)") }
        print("\(report.0): imported \(report.1.imported), already stored \(report.1.alreadyPresent), rejected \(report.1.rejected.count) (blank \(report.1.blank))")
    }
}
