import PostgresNIO
import Synchronization

/// The one connection a PostgreSQL store opens with, used until its pool runs: the migration, the
/// reads of a start (overrides, the latest message, an import) and everything the command line
/// does. Calls take turns on it, so a transaction never shares it with another call. Once the
/// pool runs (`handOver`), calls go there and the connection closes as soon as no call holds it.
final class StartConnection: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var busy = false
        var handedOver = false
        var waiting: [CheckedContinuation<PostgresConnection?, Never>] = []
    }

    private let state: Mutex<State>

    init(_ connection: PostgresConnection) {
        state = Mutex(State(connection: connection))
    }

    /// A store dropped without `close` (a start that failed half-way) closes its connection too.
    deinit {
        handOver()
    }

    /// Runs `body` on the connection when it is this call's turn; nil (without running it) once the
    /// pool has taken over.
    func withTurn<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T? {
        guard let connection = await take() else { return nil }
        defer { release() }
        return try await body(connection)
    }

    /// The pool runs (or the store closes): waiting calls and later ones go to the pool, and the
    /// connection closes now or when the call holding it ends.
    func handOver() {
        settle {
            $0.handedOver = true
            for waiting in $0.waiting { waiting.resume(returning: nil) }
            $0.waiting = []
            return !$0.busy
        }
    }

    private func take() async -> PostgresConnection? {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                guard !state.handedOver, let connection = state.connection else { return continuation.resume(returning: nil) }
                if state.busy {
                    state.waiting.append(continuation)
                } else {
                    state.busy = true
                    continuation.resume(returning: connection)
                }
            }
        }
    }

    private func release() {
        settle {
            guard $0.waiting.isEmpty else {
                $0.waiting.removeFirst().resume(returning: $0.connection)
                return false
            }
            $0.busy = false
            return $0.handedOver
        }
    }

    /// Applies `change`, then closes the connection when `change` says so.
    private func settle(_ change: (inout State) -> Bool) {
        let closing = state.withLock { state -> PostgresConnection? in
            guard change(&state) else { return nil }
            defer { state.connection = nil }
            return state.connection
        }
        // Kept until closed: a connection must not be released open.
        if let closing { (closing.close() as EventLoopFuture<Void>).whenComplete { _ in withExtendedLifetime(closing) {} } }
    }
}
