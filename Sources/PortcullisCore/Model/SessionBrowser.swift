import Foundation
import PortcullisCrypto

/// The browser a sign-in runs in, for the "sign-in from a new device" notice (SPEC §5): the SHA-256 of the random id
/// in its long-lived browser cookie (the id itself is never stored) and a name from its User-Agent. Unlike a
/// remembered device it proves nothing and skips nothing; it only lets Portcullis tell a browser it has seen this
/// user sign in from before.
public struct SessionBrowser: Sendable, Equatable {
    public var idHash: String
    public var name: String

    public init(idHash: String, name: String) {
        self.idHash = idHash
        self.name = name
    }

    /// From the browser cookie's value and the request's User-Agent header.
    public init(id: String, userAgent: String?) {
        self.init(idHash: Hex.sha256(id), name: DeviceName.from(userAgent: userAgent))
    }

    /// Whether a cookie value can be a browser id this server handed out (a 256-bit random token, base64url or hex);
    /// anything else is replaced by a fresh id.
    public static func isWellFormed(_ id: String) -> Bool {
        (32...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        }
    }
}
