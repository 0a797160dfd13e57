import Crypto
import Foundation

/// The HMAC hash behind an HOTP or TOTP code.
public enum OTPAlgorithm: String, Codable, Sendable, CaseIterable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"
}

/// RFC 4226 HOTP codes; TOTP (RFC 6238) is HOTP over a time-step counter.
public enum OneTimePassword {
    /// The code for `counter`, as a zero-padded decimal string of `digits` digits.
    public static func hotp(secret: [UInt8], counter: UInt64, digits: Int = 6, algorithm: OTPAlgorithm = .sha1) -> String {
        precondition((6...10).contains(digits))
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let key = SymmetricKey(data: secret)
        let mac: [UInt8]
        switch algorithm {
        case .sha1: mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: mac = Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt64(mac[offset] & 0x7F) << 24) | (UInt64(mac[offset + 1]) << 16)
            | (UInt64(mac[offset + 2]) << 8) | UInt64(mac[offset + 3])
        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The TOTP time step that contains `date`.
    public static func timeStep(at date: Date, period: Int = 30) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The TOTP code at `date`.
    public static func totp(secret: [UInt8], at date: Date, period: Int = 30, digits: Int = 6, algorithm: OTPAlgorithm = .sha1) -> String {
        hotp(secret: secret, counter: UInt64(timeStep(at: date, period: period)), digits: digits, algorithm: algorithm)
    }

    /// Keeps only the digits of what a user typed ("123 456" and "123-456" are "123456").
    public static func normalize(_ input: String) -> String {
        String(input.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
    }
}
