import Crypto

/// Hexadecimal, as pre-shared keys and seeds are written.
public enum Hex {
    /// The SHA-256 of a string's UTF-8 bytes, in lowercase hex: how session tokens are keyed at rest.
    public static func sha256(_ text: String) -> String {
        encode(Array(SHA256.hash(data: Array(text.utf8))))
    }

    /// The bytes of an even-length hex string (either case; spaces ignored), or nil.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") })
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [alphabet[Int($0 >> 4)], alphabet[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// Whether an ASCII byte is a hex digit (either case).
    public static func isDigit(_ byte: UInt8) -> Bool { value(byte) != nil }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
