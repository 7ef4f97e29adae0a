import Foundation
import TickerClient
import Testing
@testable import AITicker

/// Every channel's routes through the client generated from the contract: the same bodies,
/// ETags and errors as today's routes, which stay the default channel's.
@Suite("Channels over the API")
struct ChannelAPITests {
    static let config = """
        {"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "channel {uuid}"}}}},
         "channels": {"lobby": {"schedule": {"cron": "*/10 * * * *", "time_zone": "Europe/Berlin", "active_hours": "08:00-18:00", "days": ["mon", "fri"]}},
                      "haiku": {"schedule": {"interval_seconds": 600}, "providers": ["m"]}}}
        """

    @Test func aChannelsRoutesAnswerAsTodaysDoForItsOwnMessages() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            let api = ContractTests.client(port: http.port!)
            let list = try await api.listChannels().ok.body.json.channels
            #expect(list.map(\.name) == ["default", "haiku", "lobby"])
            let lobby = try #require(list.first { $0.name == "lobby" })
            #expect(lobby.status == .configured)
            #expect(lobby.schedule?.cron == "*/10 * * * *" && lobby.schedule?.timeZone == "Europe/Berlin")
            #expect(lobby.schedule?.activeHours == "08:00-18:00" && lobby.schedule?.days == [.mon, .fri])
            #expect(list.first { $0.name == "haiku" }?.providers == ["m"])
            #expect(list.first { $0.name == "haiku" }?.schedule?.intervalSeconds == 600)
            #expect(list.first { $0.name == "haiku" }?.schedule?.timeZone == "UTC", "UTC when none is given, by that name")
            let (_, raw) = try await httpGet("http://127.0.0.1:\(http.port!)/api/channels")
            #expect(raw.range(of: #""next_tick_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z""#, options: .regularExpression) != nil, "\(raw)")

            let created = try await api.channelGenerateMessage(path: .init(name: "haiku")).created.body.json
            #expect(try await api.channelGetMessage(path: .init(name: "haiku")).ok.body.json.id == created.id)
            #expect(try await api.channelGetLatestMessage(path: .init(name: "haiku")).ok.body.json.content == created.content)
            #expect(try await api.getMessage().notFound.body.json.error.code == .notFound, "the default channel has none")
            #expect(try await api.channelGetMessage(path: .init(name: "lobby")).notFound.body.json.error.code == .notFound)
            let page = try await api.channelListMessages(path: .init(name: "haiku"), query: .init(limit: 5)).ok.body.json
            #expect(page.messages.map(\.id) == [created.id])
            #expect(try await api.listMessages(query: .init(limit: 5)).ok.body.json.messages.isEmpty)
            #expect(try await api.channelGetMessageById(path: .init(name: "haiku", id: created.id)).ok.body.json.content == created.content)
            _ = try await api.channelGetMessageById(path: .init(name: "lobby", id: created.id)).notFound
            _ = try await api.getMessageById(path: .init(id: created.id)).notFound
            #expect(try await api.listChannels().ok.body.json.channels.first { $0.name == "haiku" }?.messages == 1)

            let unknown = try await api.channelGetMessage(path: .init(name: "nope")).notFound.body.json.error
            #expect(unknown.code == .unknownChannel)
            #expect(unknown.message.contains("channels: default, haiku, lobby"), "\(unknown.message)")

            // The same ETag and 304 as /api/message, and HEAD.
            let port = http.port!
            let etag = "\"m\(created.id)\""
            let fresh = try await rawHTTP(port: port, "GET /api/channels/haiku/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(fresh.status == 200 && fresh.text.contains("ETag: \(etag)"))
            let same = try await rawHTTP(port: port, "GET /api/channels/haiku/message HTTP/1.1\nHost: 127.0.0.1\nIf-None-Match: \(etag)\nConnection: close\n\n")
            #expect(same.status == 304)
            let head = try await rawHTTP(port: port, "HEAD /api/channels/haiku/message HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n")
            #expect(head.status == 200 && head.text.hasSuffix("\r\n\r\n"))

            // Its stream starts with its latest message and carries its new ones only.
            let (status, events, task) = try await SSEClient.connect("http://127.0.0.1:\(port)/api/channels/haiku/stream")
            defer { task.cancel() }
            #expect(status == 200)
            var iterator = events.makeAsyncIterator()
            #expect(try await iterator.nextMessage()?.id == String(created.id))
            _ = await services.ticks.tick(channel: "lobby", trigger: .manual)
            guard case .stored(let next) = await services.ticks.tick(channel: "haiku", trigger: .manual) else { Issue.record("no message"); return }
            #expect(try await iterator.nextMessage()?.id == String(next.id), "the lobby's message is not on the haiku stream")
        }
    }

    /// A channel taken out of the configuration keeps its messages and its routes; it no longer ticks.
    @Test func aRemovedChannelIsListedAndStillAnswersItsHistory() async throws {
        let workspace = try TestWorkspace()
        try await workspace.withApp(config: Self.config, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, _, http in
            var old = NewMessage(content: "from a channel since removed", provider: "m", providerName: "mock", model: "m", usage: Usage(),
                                 profile: "default", latencyMs: 1, createdAt: Date(), source: .generated, attempts: [])
            old.channel = "retired"
            let stored = try await services.store.insert(old, retention: 100).message
            let api = ContractTests.client(port: http.port!)
            let retired = try #require(try await api.listChannels().ok.body.json.channels.first { $0.name == "retired" })
            #expect(retired.status == .removed && retired.messages == 1 && retired.message?.id == stored.id)
            #expect(try await api.channelGetMessage(path: .init(name: "retired")).ok.body.json.id == stored.id)
            #expect(try await api.channelGenerateMessage(path: .init(name: "retired")).notFound.body.json.error.code == .unknownChannel)
        }
    }
}

@Suite("Channels and reloads")
struct ChannelReloadTests {
    /// A reload adds, changes and removes channels without a restart: timers start and stop, the
    /// diff says so, and a removed channel's route goes on answering its messages.
    @Test func aReloadAddsAndRemovesChannelsAndSaysSo() async throws {
        let workspace = try TestWorkspace()
        let before = #"{"plugins": {"m": {"plugin": "mock"}}, "channels": {"lobby": {"schedule": {"interval_seconds": 600}}, "wall": {}}}"#
        try await workspace.withApp(config: before, environment: ["TICKER_ADMIN_TOKEN": adminToken], live: true) { services, source, http in
            let api = ContractTests.client(port: http.port!)
            let lobby = try await api.channelGenerateMessage(path: .init(name: "lobby")).created.body.json
            #expect(try await eventually { source.nextFireDate("lobby") != nil })
            _ = try workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock"}}, "channels": {"wall": {"profile": "default", "max_message_length": 99}, "cafe": {"schedule": {"cron": "0 17 * * *"}}}}"#)
            let report = try await api.reloadProviders(query: .init()).ok.body.json
            #expect(report.channels?.added == ["cafe"] && report.channels?.removed == ["lobby"] && report.channels?.changed == ["wall"], "\(String(describing: report.channels))")
            #expect(report.channels?.unchanged == ["default"])
            #expect(source.nextFireDate("lobby") == nil, "the removed channel's timer stopped")
            #expect(source.nextFireDate("cafe") != nil, "the new channel's timer started")
            #expect(try await api.channelGetMessage(path: .init(name: "lobby")).ok.body.json.id == lobby.id)
            let listed = try await api.listChannels().ok.body.json.channels
            #expect(listed.map(\.name) == ["default", "cafe", "wall", "lobby"] && listed.last?.status == .removed, "\(listed.map(\.name))")
            #expect(services.configuration.value.channels.first { $0.name == "wall" }?.maxMessageLength == 99)
        }
    }
}

@Suite("Channels on the command line")
struct ChannelCommandTests {
    @Test func generateMessagesAndChannelsTakeAChannel() async throws {
        let workspace = try TestWorkspace()
        let config = try workspace.write("plugin_config.json", """
            {"plugins": {"m": {"plugin": "mock", "config": {"extra_params": {"content": "for the lobby {uuid}"}}}},
             "channels": {"lobby": {"schedule": {"cron": "0 9 * * mon", "time_zone": "Europe/Berlin"}}}}
            """)
        let common = ["--config", config, "--db", workspace.path("ticker.sqlite")]
        let generated = try ServiceProcess(arguments: ["generate", "--channel", "lobby"] + common, directory: workspace.url)
        #expect(try await generated.exitStatus() == 0, "\(generated.log)")
        #expect(generated.log.contains("for the lobby"))
        let lobby = try ServiceProcess(arguments: ["messages", "--channel", "lobby"] + common, directory: workspace.url)
        #expect(try await lobby.exitStatus() == 0 && lobby.log.contains("for the lobby"), "\(lobby.log)")
        let plain = try ServiceProcess(arguments: ["messages"] + common, directory: workspace.url)
        #expect(try await plain.exitStatus() == 0 && !plain.log.contains("for the lobby"), "the default channel has none: \(plain.log)")
        let listing = try ServiceProcess(arguments: ["channels"] + common, directory: workspace.url)
        #expect(try await listing.exitStatus() == 0, "\(listing.log)")
        #expect(listing.log.contains("0 9 * * mon Europe/Berlin"), "\(listing.log)")
        let unknown = try ServiceProcess(arguments: ["generate", "--channel", "nowhere"] + common, directory: workspace.url)
        #expect(try await unknown.exitStatus() != 0)
        #expect(unknown.log.contains("no channel \"nowhere\"; channels: default, lobby"), "\(unknown.log)")
    }

    @Test func configCheckNamesAChannelsUnknownProfileOrProvider() async throws {
        let workspace = try TestWorkspace()
        try workspace.write("prompts.json", #"{"default": {"system": "s", "user": "u"}, "haiku_bot": {"system": "s", "user": "u"}}"#)
        for (channel, fragment) in [
            (#"{"profile": "haiku"}"#, #"channels.cafe.profile: profile "haiku" not found; available: default, haiku_bot"#),
            (#"{"providers": ["m", "openrouter"]}"#, #"channels.cafe.providers: no provider entry "openrouter"; entries: m"#),
        ] {
            try workspace.write("plugin_config.json", #"{"plugins": {"m": {"plugin": "mock"}}, "channels": {"cafe": \#(channel)}}"#)
            let check = try ServiceProcess(arguments: ["config", "check"], directory: workspace.url)
            #expect(try await check.exitStatus() != 0, "\(check.log)")
            #expect(check.log.contains(fragment), "\(check.log)")
        }
    }
}
