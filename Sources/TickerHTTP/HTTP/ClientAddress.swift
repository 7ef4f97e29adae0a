import Foundation
import TickerConfig

/// Who a request is from, for every per-client limit (connections, streams, admin failures and
/// `server.rate_limit_api`): the peer's address, or, when the peer is one of
/// `server.trusted_proxies`, the client its `X-Forwarded-For` names. The list is read from the
/// right, skipping trusted proxies, so a client cannot pass itself off as someone else by
/// sending its own header through the proxy (the proxy appends the address it saw).
enum ClientAddress {
    static func resolve(peer: String?, forwardedFor: [String], trusted: [AddressRange]) -> String {
        guard let peer else { return "unknown" }
        guard !trusted.isEmpty, isTrusted(peer, trusted) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard AddressRange.bytes(of: hop) != nil else { return peer }  // garbage: the proxy's own address counts
            if !isTrusted(hop, trusted) { return hop }
        }
        return hops.first ?? peer
    }

    static func isTrusted(_ address: String, _ trusted: [AddressRange]) -> Bool {
        trusted.contains { $0.contains(address) }
    }
}
