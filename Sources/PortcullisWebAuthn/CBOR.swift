import Foundation

/// Why a CBOR input was refused. The decoder never traps: every malformed or hostile input ends in one of these.
public enum CBORError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ends inside an item (or is empty).
    case unexpectedEnd
    /// A byte string, text string, array or map declares more content than the input has left.
    case lengthExceedsInput
    /// `decode` found bytes after the first complete item (the count of bytes left).
    case trailingBytes(Int)
    /// An initial byte that is not well-formed: additional information 28–30, or 31 on a major type without an
    /// indefinite-length form.
    case invalidHead(UInt8)
    /// Indefinite-length strings, arrays and maps are refused (CTAP2 canonical CBOR never uses them).
    case indefiniteLength
    /// A "break" stop code outside an indefinite-length item.
    case unexpectedBreak
    /// A simple value below 32 in the two-byte form (not well-formed, RFC 8949 §3.3).
    case invalidSimpleValue(UInt8)
    /// A text string that is not valid UTF-8.
    case invalidUTF8
    /// Arrays, maps and tags nested deeper than the limit.
    case depthExceeded
    /// More data items than the limit.
    case tooManyItems
    /// The same key twice in one map.
    case duplicateMapKey

    public var description: String {
        switch self {
        case .unexpectedEnd: return "CBOR input ends inside an item"
        case .lengthExceedsInput: return "CBOR length is larger than the input"
        case .trailingBytes(let count): return "\(count) bytes after the CBOR item"
        case .invalidHead(let byte): return "CBOR initial byte 0x\(String(byte, radix: 16)) is not well-formed"
        case .indefiniteLength: return "indefinite-length CBOR items are not accepted"
        case .unexpectedBreak: return "CBOR break code outside an indefinite-length item"
        case .invalidSimpleValue(let value): return "CBOR simple value \(value) in the two-byte form"
        case .invalidUTF8: return "CBOR text string is not valid UTF-8"
        case .depthExceeded: return "CBOR items nested too deeply"
        case .tooManyItems: return "too many CBOR items"
        case .duplicateMapKey: return "duplicate key in a CBOR map"
        }
    }
}

/// One CBOR data item (RFC 8949). Maps keep their entries in the order they were encoded.
///
/// Decoding is defensive (see `decode(_:maxDepth:maxItems:)`); encoding (`encoded()`) writes the shortest heads and
/// definite lengths, keeps map order as given, and writes floats in the shortest form that keeps their value.
public enum CBORValue: Sendable, Equatable {
    case unsigned(UInt64)
    /// The negative integer `-1 - n`.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([(CBORValue, CBORValue)])
    indirect case tagged(UInt64, CBORValue)
    /// A simple value other than false, true, null and undefined (0–19 and 32–255).
    case simple(UInt8)
    case bool(Bool)
    case null
    case undefined
    case float(Double)

    /// Nesting limits are clamped to this, whatever the caller asks, so recursion can never exhaust a thread's stack.
    public static let depthCeiling = 128

    /// Decodes exactly one item that must span the whole input.
    /// - Parameters:
    ///   - maxDepth: how deeply arrays, maps and tags may nest (at most `depthCeiling`).
    ///   - maxItems: how many data items (of any kind, containers included) the input may hold.
    public static func decode(_ bytes: [UInt8], maxDepth: Int = 16, maxItems: Int = 10_000) throws -> CBORValue {
        let (value, length) = try decodePrefix(bytes, maxDepth: maxDepth, maxItems: maxItems)
        guard length == bytes.count else { throw CBORError.trailingBytes(bytes.count - length) }
        return value
    }

    /// Decodes the first item of `bytes` and returns it with the number of bytes it took; what follows is left alone
    /// (WebAuthn's attested credential data puts the extensions right after the COSE key).
    public static func decodePrefix(_ bytes: [UInt8], maxDepth: Int = 16,
                                    maxItems: Int = 10_000) throws -> (value: CBORValue, length: Int) {
        var decoder = CBORDecoder(bytes: bytes, maxDepth: min(max(maxDepth, 0), depthCeiling), itemsLeft: max(maxItems, 0))
        let value = try decoder.decodeItem(depth: 0)
        return (value, decoder.position)
    }

    // MARK: Equality

    public static func == (lhs: CBORValue, rhs: CBORValue) -> Bool {
        switch (lhs, rhs) {
        case let (.unsigned(a), .unsigned(b)), let (.negative(a), .negative(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        // Byte-wise: Swift's String == treats canonically equivalent strings as equal, CBOR does not.
        case let (.text(a), .text(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)): return a == b
        case let (.map(a), .map(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.tagged(tagA, a), .tagged(tagB, b)): return tagA == tagB && a == b
        case let (.simple(a), .simple(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null), (.undefined, .undefined): return true
        case let (.float(a), .float(b)): return a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
        default: return false
        }
    }

    // MARK: Accessors

    /// An integer item as `Int`, if it fits.
    public var intValue: Int? {
        switch self {
        case .unsigned(let value): return Int(exactly: value)
        case .negative(let n): return n <= UInt64(Int.max) ? -1 - Int(n) : nil
        default: return nil
        }
    }

    public var bytesValue: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    public var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    public var arrayValue: [CBORValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var mapValue: [(CBORValue, CBORValue)]? {
        if case .map(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    /// The value for an integer key of a map (nil if this is not a map or the key is absent).
    public subscript(key: Int) -> CBORValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.0.intValue == key }?.1
    }

    /// The value for a text key of a map, compared byte-wise (nil if this is not a map or the key is absent).
    public subscript(key: String) -> CBORValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { entry in
            if case .text(let text) = entry.0 { return text.utf8.elementsEqual(key.utf8) }
            return false
        }?.1
    }

    /// An integer item from a Swift `Int`.
    public static func int(_ value: Int) -> CBORValue {
        value >= 0 ? .unsigned(UInt64(value)) : .negative(UInt64(-1 - value))
    }

    /// A half-precision value widened to `Double` (RFC 8949 Appendix D).
    static func double(halfBits bits: UInt16) -> Double {
        let exponent = Int((bits >> 10) & 0x1f)
        let mantissa = Double(bits & 0x3ff)
        let magnitude: Double
        switch exponent {
        case 0: magnitude = Double(sign: .plus, exponent: -24, significand: mantissa)
        case 31: magnitude = mantissa == 0 ? .infinity : .nan
        default: magnitude = Double(sign: .plus, exponent: exponent - 25, significand: mantissa + 1024)
        }
        return bits & 0x8000 != 0 ? -magnitude : magnitude
    }
}

/// The decoder's state. Every read is bounds-checked; lengths are compared with what is left before anything is
/// allocated, and counts with the item budget, so neither a huge declared length nor a long input can blow up memory.
private struct CBORDecoder {
    let bytes: [UInt8]
    var position = 0
    let maxDepth: Int
    var itemsLeft: Int

    init(bytes: [UInt8], maxDepth: Int, itemsLeft: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.itemsLeft = itemsLeft
    }

    var remaining: Int { bytes.count - position }

    mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw CBORError.unexpectedEnd }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readBigEndian(byteCount: Int) throws -> UInt64 {
        guard remaining >= byteCount else { throw CBORError.unexpectedEnd }
        var value: UInt64 = 0
        for index in position..<(position + byteCount) { value = value << 8 | UInt64(bytes[index]) }
        position += byteCount
        return value
    }

    mutating func readBytes(count: UInt64) throws -> [UInt8] {
        guard count <= UInt64(remaining) else { throw CBORError.lengthExceedsInput }
        let length = Int(count)
        defer { position += length }
        return Array(bytes[position..<(position + length)])
    }

    mutating func decodeItem(depth: Int) throws -> CBORValue {
        guard itemsLeft > 0 else { throw CBORError.tooManyItems }
        itemsLeft -= 1
        let initial = try readByte()
        let major = initial >> 5
        let info = initial & 0x1f
        if major == 7 { return try decodeSimple(initial: initial, info: info) }

        let argument: UInt64
        switch info {
        case 0..<24: argument = UInt64(info)
        case 24: argument = try readBigEndian(byteCount: 1)
        case 25: argument = try readBigEndian(byteCount: 2)
        case 26: argument = try readBigEndian(byteCount: 4)
        case 27: argument = try readBigEndian(byteCount: 8)
        case 31 where (2...5).contains(major): throw CBORError.indefiniteLength
        default: throw CBORError.invalidHead(initial)
        }

        switch major {
        case 0: return .unsigned(argument)
        case 1: return .negative(argument)
        case 2: return .bytes(try readBytes(count: argument))
        case 3:
            let utf8 = try readBytes(count: argument)
            guard Self.isValidUTF8(utf8) else { throw CBORError.invalidUTF8 }
            return .text(String(decoding: utf8, as: UTF8.self))
        case 4:
            guard depth < maxDepth else { throw CBORError.depthExceeded }
            // Every element takes at least one byte.
            guard argument <= UInt64(remaining) else { throw CBORError.lengthExceedsInput }
            guard argument <= UInt64(itemsLeft) else { throw CBORError.tooManyItems }
            var items: [CBORValue] = []
            items.reserveCapacity(Int(argument))
            for _ in 0..<Int(argument) { items.append(try decodeItem(depth: depth + 1)) }
            return .array(items)
        case 5:
            guard depth < maxDepth else { throw CBORError.depthExceeded }
            // Every entry takes at least two bytes and two items.
            guard argument <= UInt64(remaining / 2) else { throw CBORError.lengthExceedsInput }
            guard argument <= UInt64(itemsLeft / 2) else { throw CBORError.tooManyItems }
            var entries: [(CBORValue, CBORValue)] = []
            entries.reserveCapacity(Int(argument))
            var seen = Set<MapKeyIdentity>()
            var otherKeys: [CBORValue] = []
            for _ in 0..<Int(argument) {
                let key = try decodeItem(depth: depth + 1)
                if let identity = MapKeyIdentity(key) {
                    guard seen.insert(identity).inserted else { throw CBORError.duplicateMapKey }
                } else {
                    guard !otherKeys.contains(key) else { throw CBORError.duplicateMapKey }
                    otherKeys.append(key)
                }
                let value = try decodeItem(depth: depth + 1)
                entries.append((key, value))
            }
            return .map(entries)
        default: // 6
            guard depth < maxDepth else { throw CBORError.depthExceeded }
            return .tagged(argument, try decodeItem(depth: depth + 1))
        }
    }

    mutating func decodeSimple(initial: UInt8, info: UInt8) throws -> CBORValue {
        switch info {
        case 0..<20: return .simple(info)
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 24:
            let value = try readByte()
            guard value >= 32 else { throw CBORError.invalidSimpleValue(value) }
            return .simple(value)
        case 25: return .float(CBORValue.double(halfBits: UInt16(truncatingIfNeeded: try readBigEndian(byteCount: 2))))
        case 26: return .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: try readBigEndian(byteCount: 4)))))
        case 27: return .float(Double(bitPattern: try readBigEndian(byteCount: 8)))
        case 31: throw CBORError.unexpectedBreak
        default: throw CBORError.invalidHead(initial)
        }
    }

    /// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            let minimum: UInt32
            switch lead {
            case 0xc0...0xdf: length = 2; scalar = UInt32(lead & 0x1f); minimum = 0x80
            case 0xe0...0xef: length = 3; scalar = UInt32(lead & 0x0f); minimum = 0x800
            case 0xf0...0xf7: length = 4; scalar = UInt32(lead & 0x07); minimum = 0x1_0000
            default: return false
            }
            guard bytes.count - index >= length else { return false }
            for offset in 1..<length {
                let continuation = bytes[index + offset]
                guard continuation & 0xc0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(continuation & 0x3f)
            }
            guard scalar >= minimum, scalar <= 0x10_ffff, !(0xd800...0xdfff).contains(scalar) else { return false }
            index += length
        }
        return true
    }
}

/// A hashable stand-in for the common map key kinds, for finding duplicates without comparing every pair.
private enum MapKeyIdentity: Hashable {
    case unsigned(UInt64)
    case negative(UInt64)
    case bytes([UInt8])
    case text([UInt8])
    case simple(UInt8)
    case bool(Bool)
    case null
    case undefined
    case float(UInt64)

    /// Nil for arrays, maps and tags, which are compared in full.
    init?(_ key: CBORValue) {
        switch key {
        case .unsigned(let value): self = .unsigned(value)
        case .negative(let value): self = .negative(value)
        case .bytes(let value): self = .bytes(value)
        case .text(let value): self = .text(Array(value.utf8))
        case .simple(let value): self = .simple(value)
        case .bool(let value): self = .bool(value)
        case .null: self = .null
        case .undefined: self = .undefined
        case .float(let value): self = .float(value.isNaN ? Double.nan.bitPattern : value.bitPattern)
        case .array, .map, .tagged: return nil
        }
    }
}
