import AITicker
import ArgumentParser
import Foundation
import TickerClient

struct Channels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the channels: schedule, whether each may tick now, messages kept and the latest.",
        discussion: "With --remote, the running service's view (GET /api/channels), which also knows each next tick.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Ask the running service, as GET /api/channels.")
    var remote = false

    func run() async throws {
        if remote {
            let channels = try await Remote.send(common) { try await $0.listChannels().ok.body.json.channels }
            print(Table.render(
                header: ["CHANNEL", "STATUS", "ACTIVE", "NEXT TICK", "MESSAGES", "LATEST"],
                rows: channels.map { channel in
                    [channel.name, channel.status.rawValue, channel.activeNow ? "yes" : "no",
                     channel.nextTickAt.map(RFC3339.string) ?? "-", channel.messages.map(String.init) ?? "?", channel.message?.content ?? ""]
                }))
            return
        }
        let rows = try await withStore(common.options) { configuration, store in
            let counts = try await store.channelCounts()
            var rows: [[String]] = []
            for channel in configuration.channels {
                rows.append([channel.name, channel.schedule.summary, channel.schedule.isActive(at: Date()) ? "yes" : "no",
                             String(counts[channel.name] ?? 0), try await store.latest(channel: channel.name)?.content ?? ""])
            }
            for name in counts.keys.sorted() where !configuration.channels.contains(where: { $0.name == name }) {
                rows.append([name, "removed", "no", String(counts[name] ?? 0), try await store.latest(channel: name)?.content ?? ""])
            }
            return rows
        }
        print(Table.render(header: ["CHANNEL", "SCHEDULE", "ACTIVE", "MESSAGES", "LATEST"], rows: rows))
    }
}
