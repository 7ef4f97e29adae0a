import AsyncHTTPClient
import CSpawn
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import TickerConfig
import TickerCore
import TickerHTTP
import TickerPostgres
import TickerProviders
import TickerRuntime
import TickerStorage

/// What `buildApplication` needs: where configuration comes from and the plugins to offer.
public struct TickerOptions: Sendable {
    public var sources: ConfigurationSources
    /// Built-in plugins by default; Swift packages register their own here.
    public var registry: PluginRegistry
    /// Dispatch timer by default; tests pass a `ManualTickSource`.
    public var tickSource: any TickSource
    public var logger: Logger
    /// The HTTP client for vendor calls; nil creates one that `TickerServices.shutdown()` closes.
    public var httpClient: HTTPClient?
    /// systemd's notify socket, from `NOTIFY_SOCKET` and `WATCHDOG_USEC` by default.
    public var notifier: SystemdNotifier = SystemdNotifier()
    /// Where `logging.file` (`LOG_FILE`) lines go, when the log system was set up to write there
    /// (`FileLogHandler`); opened once the configuration is read, reopened on SIGHUP.
    public var logFile: LogFile?

    public init(sources: ConfigurationSources = ConfigurationSources(), registry: PluginRegistry = .builtin,
                tickSource: any TickSource = DispatchTickSource(), logger: Logger = Logger(label: "ai-ticker"),
                httpClient: HTTPClient? = nil) {
        self.sources = sources
        self.registry = registry
        self.tickSource = tickSource
        self.logger = logger
        self.httpClient = httpClient
    }
}

/// Loads configuration, opens the database and configures the providers, without any HTTP; the
/// providers start when the application's `ProviderService` runs or at the first tick.
/// `ai-ticker generate`, `providers` and `messages` use this directly.
/// `asService`: the service (not the CLI) creates the admin token file when none is configured,
/// and holds the database's lock and checks it.
public func buildServices(_ options: TickerOptions, asService: Bool = false) async throws -> TickerServices {
    var loader = ConfigurationLoader(sources: options.sources, registry: options.registry)
    loader.createsAdminToken = asService
    // The service opens its port whatever a Python plugin file does: it lists them in the
    // background (`ProviderService`). The CLI waits for the listing.
    let files = asService ? try loader.loadWithPlugins() : try await loader.listed()
    let store = try await openStore(files.configuration, asService: asService, logger: options.logger)
    let cluster = store as? any ClusterDuties ?? SoloCluster()
    let overrides = try await storedOverrides(store)
    let (configuration, plugins) = await applyingOverrides(overrides, to: files, loader: loader, logger: options.logger, waiting: !asService)
    let levels = LogLevelControl(configuration.logLevel)
    let logger = levels.controlling(options.logger)
    do {
        try options.logFile?.open(configuration.logFile)
    } catch {
        logger.error("log file not written", metadata: ["error": "\(error)"])
    }
    ConfigurationIssue.log(configuration.warnings, logger: logger)
    for line in store.startReport { logger.error("\(line)") }
    if asService {
        logger.notice("this instance is \(configuration.server.instanceName ?? Leadership.defaultInstanceName())",
                      metadata: ["host": "\(ProcessInfo.processInfo.hostName)", "pid": "\(getpid())"])
    }
    if asService, configuration.adminToken.value != nil {
        logger.notice("admin routes need the bearer token from \(configuration.adminToken.origin ?? "")")
    }
    let live = LiveConfiguration(configuration, plugins: plugins)
    let metrics = TickerMetrics()
    metrics.streamClients(0)
    let ownsClient = options.httpClient == nil
    let httpClient = options.httpClient ?? makeHTTPClient()
    let context = ProviderContext(httpClient: httpClient, logger: logger) { limit in
        (try? await store.recentContents(channel: defaultChannel, limit: limit)) ?? []
    }
    let router = ProviderRouter(registry: options.registry, context: context)
    _ = await router.replace(with: configuration.providers, routing: configuration.routing, registry: plugins.registry, redactor: configuration.redactor)
    let caches = ChannelCaches()
    if await latestStored(store, channel: defaultChannel, logger: logger) == nil, store.problem == nil,
       let file = configuration.importFile, FileManager.default.fileExists(atPath: file) {
        await importOnFirstStart(file, store: store, configuration: configuration, logger: logger)
    }
    for channel in configuration.channels {
        if let newest = await latestStored(store, channel: channel.name, logger: logger) { caches.publish(newest, record: nil, deletedUpTo: nil) }
    }
    let notifier = options.notifier
    // Several instances share a PostgreSQL database and one of them leads; the CLI's manual
    // ticks and a SQLite database's one instance always may tick.
    let leadership = asService && configuration.postgres != nil
        ? Leadership(instance: configuration.server.instanceName ?? Leadership.defaultInstanceName(), role: .standby) { state in
            metrics.leader(state.role == .leader)
            notifier.status(state.role == .leader ? "leading"
                : state.unreachable.map { "nobody leads: the database is unreachable (\($0))" } ?? "standing by; the leader is \(state.leader ?? "not known yet")")
            logger.notice("role: \(state.role.rawValue)", metadata: ["leader": "\(state.leader ?? "-")"])
        }
        : Leadership.solo(named: configuration.server.instanceName)
    metrics.leader(leadership.isLeader)
    let guardrails = ExternalGuardrails(httpClient: httpClient, configuration: live, logger: logger)
    let ticks = TickService(store: store, cluster: cluster, router: router, configuration: live, publisher: caches, metrics: metrics, logger: logger,
                            leadership: leadership, externalRule: guardrails.rule) { record in
        notifier.status(record.summary)
    }
    let scheduler = ChannelScheduler(source: options.tickSource, ticks: ticks, store: store)
    let reloads = ReloadCoordinator(loader: loader, store: store, cluster: cluster, live: live, router: router, scheduler: scheduler,
                                    notifier: notifier, logger: logger, levels: levels, instance: leadership.instance, applied: overrides)
    return TickerServices(configuration: live, reloads: reloads, store: store, cluster: cluster, ticks: ticks,
                          caches: caches, metrics: metrics, scheduler: scheduler, router: router, logger: logger,
                          ownedHTTPClient: ownsClient ? httpClient : nil, guardrails: guardrails)
}

/// The effective configuration, runtime overrides from the database included, without starting
/// any provider (`ai-ticker config`).
public func effectiveConfiguration(_ options: TickerOptions) async throws -> AppConfiguration {
    let loader = ConfigurationLoader(sources: options.sources, registry: options.registry)
    let files = try await loader.listed()
    let store = try await openStore(files.configuration, logger: options.logger)
    let overrides = try await storedOverrides(store)
    await store.close()
    let (configuration, _) = await applyingOverrides(overrides, to: files, loader: loader, logger: options.logger, waiting: true)
    ConfigurationIssue.log(configuration.warnings, logger: options.logger)
    return configuration
}

/// The stored runtime overrides; the store is closed when they cannot be read.
private func storedOverrides(_ store: any MessageStore) async throws -> [String: JSONValue] {
    do {
        return try await store.overrides()
    } catch {
        await store.close()
        throw error
    }
}

/// `configuration` with the stored runtime overrides on top; unchanged (logged) when they no
/// longer fit it.
private func applyingOverrides(_ overrides: [String: JSONValue], to loaded: (configuration: AppConfiguration, plugins: PluginCatalog),
                               loader: ConfigurationLoader, logger: Logger, waiting: Bool) async -> (AppConfiguration, PluginCatalog) {
    guard !overrides.isEmpty else { return loaded }
    do {
        return waiting ? try await loader.listed(overrides: overrides) : try loader.loadWithPlugins(overrides: overrides)
    } catch {
        logger.error("runtime overrides ignored: they no longer fit the configuration", metadata: ["error": "\(error)"])
        return loaded
    }
}

/// A channel's newest message, or nil (logged) when a damaged database cannot return it: the
/// service starts anyway and says so in its health.
private func latestStored(_ store: any MessageStore, channel: String, logger: Logger) async -> Message? {
    do {
        return try await store.latest(channel: channel)
    } catch {
        logger.error("the latest message could not be read", metadata: ["error": "\(error)"])
        return nil
    }
}

/// An empty database takes over the original AI-Ticker's message cache; a bad file is reported
/// and changes nothing, and the service starts anyway.
private func importOnFirstStart(_ file: String, store: any MessageStore, configuration: AppConfiguration, logger: Logger) async {
    do {
        let report = try await MessageImport.run(path: file, store: store, ticker: configuration.ticker)
        logger.notice("imported AI-Ticker's message cache", metadata: [
            "file": "\(file)", "imported": "\(report.imported)", "already_present": "\(report.alreadyPresent)", "rejected": "\(report.rejected.count)",
        ])
        for (position, reason) in report.rejected {
            logger.warning("message cache item not imported", metadata: ["file": "\(file)", "item": "\(position)", "reason": "\(reason)"])
        }
    } catch {
        logger.error("message cache not imported; nothing was changed", metadata: ["error": "\(error)"])
    }
}

/// All wiring of the service: configuration, SQLite, providers, scheduler, health checks,
/// SIGHUP reload and the REST API, as one Hummingbird application whose services stop in order.
public func buildApplication(
    _ options: TickerOptions,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> (application: some ApplicationProtocol, services: TickerServices) {
    let services = try await buildServices(options, asService: true)
    let configuration = services.configuration.value
    let logger = services.logger
    let router = buildRouter(services)
    let liveness = SharedFlag()
    let serverName = "ai-ticker"
    let server = configuration.server
    let connections = OpenConnections()
    let limits = ConnectionLimits(idle: .seconds(Int64(server.idleTimeoutSeconds)), read: .seconds(Int64(server.readTimeoutSeconds)),
                                  write: .seconds(Int64(server.writeTimeoutSeconds)), grace: .seconds(Int64(server.shutdownGraceSeconds)),
                                  connections: connections, metrics: services.metrics, configuration: services.configuration)
    let hotReads = HotReads(caches: services.caches, configuration: services.configuration, metrics: services.metrics,
                            compression: configuration.compression, serverName: serverName)
    let application = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            GuardedHTTP1Channel(inner: HTTP1Channel(responder: responder), limits: limits, hotReads: hotReads)
        },
        // A backlog as deep as Linux allows by default (somaxconn): a burst of new clients
        // waits there instead of having SYNs dropped and retried a second later.
        configuration: .init(address: .hostname(server.host, port: server.port), serverName: serverName, backlog: 4096,
                             availableConnectionsDelegate: ConnectionLimit(maximum: DescriptorLimit.check(server, logger: logger),
                                                                           connections: connections, metrics: services.metrics, logger: logger)),
        // The store first, so that it stops after everything that uses it (PostgreSQL's pool).
        services: [services.store as? any Service].compactMap { $0 } + [
            ProviderService(services: services),
            HealthCheckService(router: services.router, configuration: services.configuration, metrics: services.metrics,
                               cluster: services.cluster, leadership: services.ticks.leadership, logger: logger),
            ReloadSignalService(configuration: services.reloads, logFile: options.logFile, logger: logger),
            SchedulerService(scheduler: services.scheduler, ticks: services.ticks, configuration: services.configuration, logger: logger,
                             liveness: liveness),
            StreamHeartbeatService(caches: services.caches, configuration: services.configuration, metrics: services.metrics),
            NotifyService(notifier: options.notifier, scheduler: liveness),
        ] + (configuration.postgres.map { settings -> [any Service] in [
            LeaderElectionService(settings: settings, leadership: services.ticks.leadership, logger: logger) {
                Task { await services.scheduler.resume(services.configuration.value.channels) }
            },
            FollowerService(settings: settings, store: services.store, publisher: services.caches, instance: services.ticks.leadership.instance,
                            logger: logger) { change in await services.reloads.follow(change) },
        ] } ?? []),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.server.port
            try? await channel.setOption(ChannelOptions.maxMessagesPerRead, value: GuardedHTTP1Channel.acceptsPerRound)
            logger.notice("listening on http://\(configuration.server.host):\(port)")
            options.notifier.ready(status: "serving on \(configuration.server.host):\(port)")
            // Only now, so that reading a large file does not compete with start-up.
            Task {
                guard let (problem, seconds) = await services.store.checkIntegrity() else { return }
                if let problem {
                    logger.error("\(problem)")
                } else {
                    logger.notice("database integrity check passed", metadata: ["seconds": "\(String(format: "%.2f", seconds))"])
                }
                // The check read the whole file: what SQLite and Foundation freed after it stays
                // with glibc otherwise (about 1 MiB on a database of a million messages).
                cspawn_trim_heap()
            }
            await onServerRunning(port)
        },
        logger: logger
    )
    return (application, services)
}

/// The REST API's router: the middleware, then each controller with what it uses.
func buildRouter(_ services: TickerServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteList()
    router.add(middleware: ErrorMiddleware(metrics: services.metrics, routes: routes))
    router.add(middleware: HostCheck(configuration: services.configuration))
    router.add(middleware: CrossOriginMiddleware(configuration: services.configuration))
    router.add(middleware: CompressionMiddleware(configuration: services.configuration.value.compression))
    let table = RouteTable(router: router, admin: AdminAuthMiddleware(configuration: services.configuration, metrics: services.metrics, logger: services.logger))
    let channels = ChannelResolver(caches: services.caches, store: services.store, configuration: services.configuration)
    MessagesController(channels: channels, store: services.store, ticks: services.ticks,
                       compression: services.configuration.value.compression).register(on: table)
    ProvidersController(router: services.router, configuration: services.configuration, coordinator: services.reloads).register(on: table)
    ConfigController(configuration: services.configuration, coordinator: services.reloads).register(on: table)
    SystemController(configuration: services.configuration, router: services.router, store: services.store, ticks: services.ticks,
                     scheduler: services.scheduler, latest: services.latest, metrics: services.metrics,
                     leadership: services.ticks.leadership, compression: services.configuration.value.compression).register(on: table)
    StreamController(channels: channels, store: services.store, configuration: services.configuration, metrics: services.metrics).register(on: table)
    ChannelsController(resolver: channels, scheduler: services.scheduler).register(on: table)
    ReviewController(store: services.store, caches: services.caches, configuration: services.configuration, metrics: services.metrics).register(on: table)
    StatsController(store: services.store, configuration: services.configuration).register(on: table)
    TickerPageController(compression: services.configuration.value.compression).register(on: table)
    routes.fill(from: router)
    return router
}

/// Starts the providers when the service runs (the HTTP server does not wait for them), and
/// shuts them and the HTTP client down once the rest of the service has stopped.
struct ProviderService: Service {
    let services: TickerServices

    func run() async throws {
        await services.startProviders()
        await withGracefulShutdownHandler {
            await services.reloads.applyListings()
        } onGracefulShutdown: {
            services.reloads.stopListings()
        }
        try? await gracefulShutdown()
        services.reloads.stopListings()
        await services.shutdown()
    }
}

/// The HTTP client for vendor calls: no redirects (a key must not follow one to another host),
/// and a refused connection fails at once so the next provider is tried without waiting.
public func makeHTTPClient() -> HTTPClient {
    var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)), decompression: .disabled)
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}
