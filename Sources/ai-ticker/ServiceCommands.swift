import AITicker
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TickerClient

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service: timer, providers and REST API (the default).")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let options = common.options
        // A write past RLIMIT_FSIZE must fail with EFBIG (reported as storage unavailable)
        // rather than kill the process.
        signal(SIGXFSZ, SIG_IGN)
        // What a plugin starts and abandons comes back to the service, which ends it.
        if !Orphans.adopt() { options.logger.warning("not a child subreaper: plugin processes that leave their group may outlive it") }
        try await reportingErrors {
            let (application, _) = try await buildApplication(options)
            let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: options.logger))
            try await group.run()
        }
    }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one tick now, store the message and print it.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Ask only this provider instance.")
    var provider: String?
    @Option(help: "The channel to tick.")
    var channel: String = defaultChannel
    @Flag(help: "Ask the running service to run the tick (it stores and publishes the message), as POST /api/messages/generate.")
    var remote = false

    func run() async throws {
        if remote {
            guard provider == nil else { throw ValidationError("--provider works only without --remote") }
            let line = try await Remote.send(common) { client in
                if channel == defaultChannel {
                    let output = try await client.generateMessage()
                    if case .accepted(let held) = output { return Self.line(held: try held.body.json) }
                    return Self.line(try output.created.body.json)
                }
                let output = try await client.channelGenerateMessage(path: .init(name: channel))
                if case .accepted(let held) = output { return Self.line(held: try held.body.json) }
                return Self.line(try output.created.body.json)
            }
            print(MessageText.visible(line))
            return
        }
        var options = common.options
        options.tickSource = ManualTickSource()
        let outcome = try await reportingErrors {
            let services = try await buildServices(options)
            let channels = services.configuration.value.channels.map(\.name)
            guard channels.contains(channel) else {
                await services.shutdown()
                throw ValidationError("no channel \"\(channel)\"; channels: \(channels.joined(separator: ", "))")
            }
            let outcome = await services.ticks.tick(channel: channel, trigger: .cli, only: provider)
            await services.shutdown()
            return outcome
        }
        switch outcome {
        case .stored(let message):
            print(MessageText.visible("#\(message.id) [\(message.provider) \(message.model)] \(message.content)"))
        case .held(let record):
            print(MessageText.visible(Self.heldLine(id: record.id, rule: record.rule, reason: record.reason, content: record.content)))
        case .archived(let message, let attempts):
            print(Table.attempts(attempts))
            print(MessageText.visible("every provider failed; re-published archived #\(message.id): \(message.content)"))
            throw ExitCode(1)
        case .failed(let attempts, _), .storageFailed(let attempts):
            print(Table.attempts(attempts))
            print("no message stored")
            throw ExitCode(1)
        case .skipped, .standby:
            throw ExitCode(1)
        }
    }
}

extension Generate {
    static func line(_ message: Components.Schemas.Message) -> String {
        "#\(message.id) [\(message.provider) \(message.model)] \(message.content)"
    }

    static func line(held record: Components.Schemas.AuditRecord) -> String {
        heldLine(id: record.id, rule: record.rule, reason: record.reason, content: record.content)
    }

    static func heldLine(id: Int64, rule: String?, reason: String?, content: String) -> String {
        "held for review as record \(id) (\(rule ?? "review"): \(reason ?? "")): \(content); `ai-ticker approve \(id)` publishes it"
    }
}

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every configured provider's health and print a table.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let options = common.options
        let statuses = try await reportingErrors {
            let services = try await buildServices(options)
            await services.checkHealth()
            let statuses = await services.providerStatuses()
            await services.shutdown()
            return statuses
        }
        print(Table.render(
            header: ["ID", "PLUGIN", "PRIORITY", "ENABLED", "AVAILABLE", "HEALTH", "LATENCY", "SELECTED", "NOTE"],
            rows: statuses.map { status in
                [status.id, status.plugin, String(status.priority), status.enabled ? "yes" : "no", status.available ? "yes" : "no",
                 status.health.status.rawValue, status.health.latencyMs.map { String(format: "%.0f ms", $0) } ?? "-",
                 status.selected ? "*" : "", status.reason ?? status.health.lastError ?? ""]
            }))
    }
}
