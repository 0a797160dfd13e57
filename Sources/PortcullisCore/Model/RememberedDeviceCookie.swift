import Foundation
import PortcullisCrypto

/// What the remembered-device cookie holds: `<series>.<counter>`, each 32 random bytes (256 bits) in base64url. The
/// series names the device for its whole life; the counter is replaced at every use. Only their SHA-256 is stored.
public struct RememberedDeviceCookie: Sendable, Equatable {
    public let series: String
    public let counter: String

    /// The cookie's value.
    public var value: String { series + "." + counter }
    var seriesHash: String { Hex.sha256(series) }
    var counterHash: String { Hex.sha256(counter) }

    init(series: String, counter: String) {
        self.series = series
        self.counter = counter
    }

    /// A value as the browser sent it; nil for anything not shaped like one this server made.
    public init?(value: String) {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 43 && $0.allSatisfy(Self.isBase64URL) }) else { return nil }
        self.init(series: String(parts[0]), counter: String(parts[1]))
    }

    /// A new device's cookie.
    static func random(_ random: any RandomSource) -> Self {
        Self(series: random.token(), counter: random.token())
    }

    /// The same series with a new counter (a rotation).
    func rotated(_ random: any RandomSource) -> Self {
        Self(series: series, counter: random.token())
    }

    private static func isBase64URL(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_")
    }
}

/// What a front does with the browser's remembered-device cookie after a step.
public enum DeviceCookieChange: Sendable, Equatable {
    /// Set it to `value`, lasting until `expiresAt` (a new device, or a rotation).
    case set(value: String, expiresAt: Date)
    /// Remove it: it names no device that could still be used (forgotten, expired, or revoked after a theft).
    case clear
}
