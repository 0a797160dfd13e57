import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn
import PortcullisTestKit


@Suite("CBOR")
struct CBORTests {
    /// RFC 8949 Appendix A, in preferred serialization: decodes to the value and the value encodes back to it.
    static let appendixA: [(String, CBORValue)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)), ("1818", .unsigned(24)),
        ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)), ("1a000f4240", .unsigned(1_000_000)),
        ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)), ("1bffffffffffffffff", .unsigned(.max)),
        ("c249010000000000000000", .tagged(2, .bytes([1, 0, 0, 0, 0, 0, 0, 0, 0]))),
        ("3bffffffffffffffff", .negative(.max)),
        ("c349010000000000000000", .tagged(3, .bytes([1, 0, 0, 0, 0, 0, 0, 0, 0]))),
        ("20", .int(-1)), ("29", .int(-10)), ("3863", .int(-100)), ("3903e7", .int(-1000)),
        ("f90000", .float(0.0)), ("f98000", .float(-0.0)), ("f93c00", .float(1.0)), ("fb3ff199999999999a", .float(1.1)),
        ("f93e00", .float(1.5)), ("f97bff", .float(65504.0)), ("fa47c35000", .float(100_000.0)),
        ("fa7f7fffff", .float(3.4028234663852886e+38)), ("fb7e37e43c8800759c", .float(1.0e+300)),
        ("f90001", .float(5.960464477539063e-8)), ("f90400", .float(0.00006103515625)), ("f9c400", .float(-4.0)),
        ("fbc010666666666666", .float(-4.1)), ("f97c00", .float(.infinity)), ("f97e00", .float(.nan)),
        ("f9fc00", .float(-.infinity)),
        ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null), ("f7", .undefined), ("f0", .simple(16)), ("f8ff", .simple(255)),
        ("c074323031332d30332d32315432303a30343a30305a", .tagged(0, .text("2013-03-21T20:04:00Z"))),
        ("c11a514b67b0", .tagged(1, .unsigned(1_363_896_240))), ("c1fb41d452d9ec200000", .tagged(1, .float(1_363_896_240.5))),
        ("d74401020304", .tagged(23, .bytes([1, 2, 3, 4]))), ("d818456449455446", .tagged(24, .bytes(Array("dIETF".utf8)))),
        ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", .tagged(32, .text("http://www.example.com"))),
        ("40", .bytes([])), ("4401020304", .bytes([1, 2, 3, 4])),
        ("60", .text("")), ("6161", .text("a")), ("6449455446", .text("IETF")), ("62225c", .text("\"\\")),
        ("62c3bc", .text("\u{00fc}")), ("63e6b0b4", .text("\u{6c34}")), ("64f0908591", .text("\u{10151}")),
        ("80", .array([])), ("83010203", .array([.int(1), .int(2), .int(3)])),
        ("8301820203820405", .array([.int(1), .array([.int(2), .int(3)]), .array([.int(4), .int(5)])])),
        ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", .array((1...25).map { .int($0) })),
        ("a0", .map([])), ("a201020304", .map([(.int(1), .int(2)), (.int(3), .int(4))])),
        ("a26161016162820203", .map([(.text("a"), .int(1)), (.text("b"), .array([.int(2), .int(3)]))])),
        ("826161a161626163", .array([.text("a"), .map([(.text("b"), .text("c"))])])),
        ("a56161614161626142616361436164614461656145",
         .map(["a", "b", "c", "d", "e"].map { (.text($0), .text($0.uppercased())) })),
    ]

    /// Appendix A encodings that are not the preferred serialization: they decode, but encode differently.
    static let appendixADecodeOnly: [(String, CBORValue)] = [
        ("fa7f800000", .float(.infinity)), ("fa7fc00000", .float(.nan)), ("faff800000", .float(-.infinity)),
        ("fb7ff0000000000000", .float(.infinity)), ("fb7ff8000000000000", .float(.nan)), ("fbfff0000000000000", .float(-.infinity)),
        ("1800", .unsigned(0)), ("1b0000000000000001", .unsigned(1)), ("5800", .bytes([])),
    ]

    @Test("RFC 8949 Appendix A: decoding and preferred encoding")
    func appendixAExamples() throws {
        for (encoding, value) in Self.appendixA {
            let decoded = try CBORValue.decode(Hex.decode(encoding)!)
            #expect(decoded == value, "\(encoding)")
            #expect(Hex.encode(value.encoded()) == encoding, "\(encoding)")
        }
        for (encoding, value) in Self.appendixADecodeOnly {
            #expect(try CBORValue.decode(Hex.decode(encoding)!) == value, "\(encoding)")
        }
        #expect(try CBORValue.decode(Hex.decode("f98000")!).doubleValue?.sign == .minus)
        #expect(CBORValue.float(0.0) != .float(-0.0))
    }

    @Test("RFC 8949 Appendix A: indefinite-length items are refused")
    func indefiniteLength() {
        for encoding in ["5f42010243030405ff", "7f657374726561646d696e67ff", "9fff", "9f018202039f0405ffff",
                         "9f01820203820405ff", "83018202039f0405ff", "bf61610161629f0203ffff", "826161bf61626163ff",
                         "bf6346756ef563416d7421ff"] {
            #expect(throws: CBORError.indefiniteLength, "\(encoding)") { try CBORValue.decode(Hex.decode(encoding)!) }
        }
    }

    @Test("malformed input gets a precise error")
    func errors() {
        let cases: [(String, CBORError)] = [
            ("", .unexpectedEnd), ("18", .unexpectedEnd), ("1903", .unexpectedEnd), ("1b00000000", .unexpectedEnd),
            ("f9", .unexpectedEnd), ("fb0000", .unexpectedEnd), ("82", .lengthExceedsInput), ("8201", .lengthExceedsInput),
            ("a101", .lengthExceedsInput), ("a20102", .lengthExceedsInput), ("c1", .unexpectedEnd),
            ("4301", .lengthExceedsInput), ("820118", .unexpectedEnd),
            ("5affffffff00", .lengthExceedsInput), ("5bffffffffffffffff", .lengthExceedsInput),
            ("7bffffffffffffffff", .lengthExceedsInput), ("9bffffffffffffffff", .lengthExceedsInput),
            ("bbffffffffffffffff", .lengthExceedsInput), ("9b7fffffffffffffff00", .lengthExceedsInput),
            ("0000", .trailingBytes(1)), ("a0ffff", .trailingBytes(2)),
            ("1c", .invalidHead(0x1c)), ("3d", .invalidHead(0x3d)), ("5e", .invalidHead(0x5e)), ("fe", .invalidHead(0xfe)),
            ("1f", .invalidHead(0x1f)), ("3f", .invalidHead(0x3f)), ("df", .invalidHead(0xdf)),
            ("ff", .unexpectedBreak), ("81ff", .unexpectedBreak),
            ("f800", .invalidSimpleValue(0)), ("f818", .invalidSimpleValue(24)), ("f81f", .invalidSimpleValue(31)),
            ("62c328", .invalidUTF8), ("62c080", .invalidUTF8), ("63eda080", .invalidUTF8), ("64f4908080", .invalidUTF8),
            ("61ff", .invalidUTF8), ("63e0809f", .invalidUTF8), ("61c3", .invalidUTF8),
            ("a201020103", .duplicateMapKey), ("a2616101616102", .duplicateMapKey), ("a2f6f6f6f6", .duplicateMapKey),
            ("a280018002", .duplicateMapKey), ("a2f97e00f6fa7fc00000f6", .duplicateMapKey),
        ]
        for (encoding, error) in cases {
            #expect(throws: error, "\(encoding)") { try CBORValue.decode(Hex.decode(encoding)!) }
        }
        // Keys that differ only as CBOR types or byte-wise are not duplicates.
        #expect(throws: Never.self) { try CBORValue.decode(Hex.decode("a40161612001410101610101")!) }
        // Canonically equivalent but byte-wise different text keys ("é" precomposed and decomposed) are distinct.
        #expect(throws: Never.self) { try CBORValue.decode(Hex.decode("a262c3a9016365cc8102")!) }
    }

    @Test("depth and item limits")
    func limits() throws {
        func nested(_ depth: Int, open: UInt8 = 0x81) -> [UInt8] { Array(repeating: open, count: depth) + [0x00] }
        #expect(throws: Never.self) { try CBORValue.decode(nested(16)) }
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode(nested(17)) }
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode(nested(17, open: 0xc1)) }  // tags count too
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode(Array(repeating: 0xa1, count: 17) + [0x00, 0x00]) }
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode(nested(5), maxDepth: 4) }
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode([0x80], maxDepth: 0) }
        #expect(try CBORValue.decode([0x01], maxDepth: 0) == .unsigned(1))
        // A caller's huge limit is clamped, so deep input cannot exhaust the stack.
        #expect(throws: Never.self) { try CBORValue.decode(nested(CBORValue.depthCeiling), maxDepth: .max) }
        #expect(throws: CBORError.depthExceeded) { try CBORValue.decode(nested(100_000), maxDepth: .max, maxItems: .max) }

        let tenItems = CBORValue.array((0..<10).map { .int($0) }).encoded()
        #expect(throws: Never.self) { try CBORValue.decode(tenItems, maxItems: 11) }
        #expect(throws: CBORError.tooManyItems) { try CBORValue.decode(tenItems, maxItems: 10) }
        #expect(throws: CBORError.tooManyItems) { try CBORValue.decode([0x01], maxItems: 0) }
        #expect(throws: CBORError.tooManyItems) { try CBORValue.decode(Array(repeating: 0x00, count: 20_000).withHead(0x99, 20_000)) }
    }

    @Test("decodePrefix stops after the first item")
    func prefix() throws {
        let (value, length) = try CBORValue.decodePrefix(Hex.decode("a201020304ff00")!)
        #expect(value == .map([(.int(1), .int(2)), (.int(3), .int(4))]))
        #expect(length == 5)
        #expect(throws: CBORError.trailingBytes(2)) { try CBORValue.decode(Hex.decode("a201020304ff00")!) }
        #expect(throws: CBORError.unexpectedEnd) { try CBORValue.decodePrefix([]) }
    }

    @Test("accessors")
    func accessors() throws {
        let map = try CBORValue.decode(CBORValue.map([(.int(1), .text("a")), (.int(-1), .bytes([1])),
                                                      (.text("key"), .bool(true))]).encoded())
        #expect(map[1] == .text("a"))
        #expect(map[-1]?.bytesValue == [0x01])
        #expect(map["key"]?.boolValue == true)
        #expect(map[2] == nil && map["nope"] == nil)
        #expect(CBORValue.array([])[1] == nil)
        #expect(CBORValue.negative(.max).intValue == nil)
        #expect(CBORValue.unsigned(.max).intValue == nil)
        #expect(CBORValue.int(.min).intValue == .min && CBORValue.int(.max).intValue == .max)
        #expect(CBORValue.int(.min) == .negative(UInt64(Int.max)))
        #expect(CBORValue.text("x").bytesValue == nil && CBORValue.bytes([1]).textValue == nil)
        #expect(CBORValue.array([.null]).arrayValue?.count == 1)
        #expect(CBORValue.map([(.null, .null)]).mapValue?.count == 1)
    }
}

private extension Array where Element == UInt8 {
    /// These bytes as the items of an array or map with the given head.
    func withHead(_ initial: UInt8, _ count: UInt16) -> [UInt8] {
        [initial, UInt8(count >> 8), UInt8(count & 0xff)] + self
    }
}
