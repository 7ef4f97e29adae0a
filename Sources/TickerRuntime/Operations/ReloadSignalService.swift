import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads configuration on SIGHUP, as `POST /api/providers/reload` does.
package struct ReloadSignalService: Service {
    let configuration: ReloadCoordinator
    let logFile: LogFile?
    let logger: Logger

    package init(configuration: ReloadCoordinator, logFile: LogFile? = nil, logger: Logger) {
        self.configuration = configuration
        self.logFile = logFile
        self.logger = logger
    }

    package func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try logFile?.reopen()  // logrotate moved it away
                } catch {
                    logger.error("log file not reopened", metadata: ["error": "\(error)"])
                }
                do {
                    let report = try await configuration.reload()
                    logger.notice("reloaded on SIGHUP", metadata: ["providers": "\(report.providers.count)"])
                } catch {
                    logger.error("reload on SIGHUP rejected; the running configuration stays", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
