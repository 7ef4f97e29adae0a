import Synchronization

/// The configuration in force, swapped whole on reload; readers take a consistent copy.
public final class LiveConfiguration: Sendable {
    private let current: Mutex<AppConfiguration>

    public init(_ configuration: AppConfiguration) {
        current = Mutex(configuration)
    }

    public var value: AppConfiguration {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}
