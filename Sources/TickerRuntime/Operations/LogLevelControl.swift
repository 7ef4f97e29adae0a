import Logging
import Synchronization

/// The one log level every logger of the service follows, so `logging.level` changes at
/// runtime (reload, `PATCH /api/config`) take effect at once.
public final class LogLevelControl: Sendable {
    private let current: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { current = Mutex(level) }

    public var level: Logger.Level {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// `logger` with its level taken from this control.
    public func controlling(_ logger: Logger) -> Logger {
        var logger = logger
        var inner = logger.handler
        inner.logLevel = .trace  // the control filters; the wrapped handler writes what passes
        logger.handler = ControlledLogHandler(inner: inner, control: self)
        return logger
    }
}

/// Passes everything to the handler it wraps; only the level comes from the shared control.
struct ControlledLogHandler: LogHandler {
    var inner: any LogHandler
    let control: LogLevelControl

    var logLevel: Logger.Level {
        get { control.level }
        set { control.level = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
