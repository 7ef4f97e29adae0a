import HTTPTypes
import Hummingbird
import NIOCore
import TickerConfig

/// The request context: Hummingbird's core storage plus the client address for admin checks.
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The client's connection: a stream lets go of its slot when it closes, and writes to it.
    let channel: Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// Who the request is from, for per-client limits: the peer, or the client a trusted proxy
    /// names (`ClientAddress`).
    func client(of request: Request, trusted: [AddressRange]) -> String {
        ClientAddress.resolve(peer: remoteAddress?.ipAddress, forwardedFor: trusted.isEmpty ? [] : request.headers[values: .xForwardedFor],
                              trusted: trusted)
    }

    /// Whether the client connected from this machine.
    var isLoopback: Bool {
        guard let ip = remoteAddress?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
