/// RFC 4648 base32, the encoding authenticator apps expect for OTP secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8], padding: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 4) / 5 * 8)
        var buffer: UInt64 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt64(bits)) & 31)])
            }
        }
        if bits > 0 {
            out.append(alphabet[Int((buffer << UInt64(5 - bits)) & 31)])
        }
        if padding {
            while out.count % 8 != 0 { out.append(UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes base32, ignoring case, spaces, hyphens and padding. Returns nil on any other character.
    public static func decode(_ string: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt64 = 0
        var bits = 0
        for scalar in string.unicodeScalars {
            let c = scalar.value
            let value: UInt64
            switch c {
            case 65...90: value = UInt64(c - 65)
            case 97...122: value = UInt64(c - 97)
            case 50...55: value = UInt64(c - 50 + 26)
            case 32, 45, 61: continue
            default: return nil
            }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt64(bits)) & 0xFF))
            }
        }
        return out
    }
}
