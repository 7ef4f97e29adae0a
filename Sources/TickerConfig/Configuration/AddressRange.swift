import Foundation

/// An address or a CIDR block of `server.trusted_proxies`: `127.0.0.1`, `10.0.0.0/8`, `::1`,
/// `fd00::/8`. IPv4-mapped IPv6 peers (`::ffff:10.1.2.3`) match the IPv4 entries.
public struct AddressRange: Sendable, Equatable {
    let bytes: [UInt8]
    let prefix: Int

    /// Nil when `text` is neither an address nor a block.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let width = bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...width).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            prefix = width
        }
        self.bytes = bytes
    }

    package func contains(_ address: String) -> Bool {
        guard var other = Self.bytes(of: address) else { return false }
        if bytes.count == 4, other.count == 16, other.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] { other = Array(other.suffix(4)) }
        guard other.count == bytes.count else { return false }
        for bit in 0..<prefix where (bytes[bit / 8] ^ other[bit / 8]) & UInt8(0x80 >> (bit % 8)) != 0 { return false }
        return true
    }

    /// The address in network order: 4 bytes for IPv4, 16 for IPv6; nil for anything else.
    package static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
