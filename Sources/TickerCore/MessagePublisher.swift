import Foundation

/// Where a stored message goes to be served. The tick and the follower of the other instances
/// publish through it without knowing who serves it (the HTTP layer's `LatestMessageCache`).
public protocol MessagePublisher: Sendable {
    /// The id of the newest message published, nil before the first.
    var newestPublishedID: Int64? { get }
    /// Publishes `message`; `record` is its stored encoding when at hand, and `deletedUpTo` the
    /// highest id retention deleted with it.
    func publish(_ message: Message, record: Data?, deletedUpTo: Int64?)
    /// Takes back message `id` of `channel`: where it is the one served, `current` (the
    /// channel's newest left, if any) is served instead and every stream is told.
    func retract(_ id: Int64, channel: String, current: Message?)
    /// The id of the channel's newest message published, nil before its first.
    func newestPublishedID(channel: String) -> Int64?
}
