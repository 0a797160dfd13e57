import PortcullisWebAuthn

/// CBOR encoding, for tests and benchmarks that build WebAuthn objects: the server only decodes.
extension CBORValue {
    /// The item's encoding: shortest heads, definite lengths, map entries in their given order, floats in the shortest
    /// of half, single and double precision that keeps the value. Simple values are written as given, unchecked.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .unsigned(let value): Self.appendHead(major: 0, value, to: &out)
        case .negative(let n): Self.appendHead(major: 1, n, to: &out)
        case .bytes(let value):
            Self.appendHead(major: 2, UInt64(value.count), to: &out)
            out += value
        case .text(let value):
            Self.appendHead(major: 3, UInt64(value.utf8.count), to: &out)
            out += Array(value.utf8)
        case .array(let items):
            Self.appendHead(major: 4, UInt64(items.count), to: &out)
            for item in items { item.encode(into: &out) }
        case .map(let entries):
            Self.appendHead(major: 5, UInt64(entries.count), to: &out)
            for (key, value) in entries {
                key.encode(into: &out)
                value.encode(into: &out)
            }
        case .tagged(let tag, let value):
            Self.appendHead(major: 6, tag, to: &out)
            value.encode(into: &out)
        case .simple(let value):
            if value < 24 { out.append(0xe0 | value) } else { out += [0xf8, value] }
        case .bool(let value): out.append(value ? 0xf5 : 0xf4)
        case .null: out.append(0xf6)
        case .undefined: out.append(0xf7)
        case .float(let value): Self.appendFloat(value, to: &out)
        }
    }

    static func appendHead(major: UInt8, _ value: UInt64, to out: inout [UInt8]) {
        let type = major << 5
        switch value {
        case 0..<24: out.append(type | UInt8(value))
        case 24...0xff: out += [type | 24, UInt8(value)]
        case 0x100...0xffff: out.append(type | 25); appendBigEndian(value, byteCount: 2, to: &out)
        case 0x1_0000...0xffff_ffff: out.append(type | 26); appendBigEndian(value, byteCount: 4, to: &out)
        default: out.append(type | 27); appendBigEndian(value, byteCount: 8, to: &out)
        }
    }

    static func appendBigEndian(_ value: UInt64, byteCount: Int, to out: inout [UInt8]) {
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> (UInt64(index) * 8)))
        }
    }

    static func appendFloat(_ value: Double, to out: inout [UInt8]) {
        if let half = halfBits(exactly: value) {
            out.append(0xf9)
            appendBigEndian(UInt64(half), byteCount: 2, to: &out)
        } else if Double(Float(value)) == value {
            out.append(0xfa)
            appendBigEndian(UInt64(Float(value).bitPattern), byteCount: 4, to: &out)
        } else {
            out.append(0xfb)
            appendBigEndian(value.bitPattern, byteCount: 8, to: &out)
        }
    }

    /// The IEEE 754 half-precision bits of `value` if it is exactly representable (NaN becomes the canonical 0x7e00).
    static func halfBits(exactly value: Double) -> UInt16? {
        if value.isNaN { return 0x7e00 }
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        if value.isInfinite { return sign | 0x7c00 }
        if value == 0 { return sign }
        let single = Float(value)
        guard Double(single) == value else { return nil }
        let exponent = Int(single.exponent)
        let significand = UInt32(1 << 23) | single.significandBitPattern
        if (-14...15).contains(exponent) {
            guard significand & 0x1fff == 0 else { return nil }
            return sign | UInt16(exponent + 15) << 10 | UInt16((significand >> 13) & 0x3ff)
        }
        if (-24 ..< -14).contains(exponent) {
            let shift = UInt32(13 + (-14 - exponent))
            guard significand & ((1 << shift) - 1) == 0 else { return nil }
            return sign | UInt16(significand >> shift)
        }
        return nil
    }
}
