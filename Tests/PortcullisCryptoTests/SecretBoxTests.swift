import Foundation
import Testing
@testable import PortcullisCrypto

@Suite("Secrets at rest")
struct SecretBoxTests {
    let random = SystemRandomSource()

    @Test("Seals and opens, and the ciphertext does not contain the secret")
    func roundTrip() throws {
        let box = SecretBox(current: try .init(bytes: random.bytes(32)))
        let secret = random.bytes(20)
        let sealed = try box.seal(secret, context: "factor:1")
        #expect(try box.open(sealed, context: "factor:1") == secret)
        #expect(!Data(sealed).range(of: Data(secret)).map { _ in true }.isSome)
        #expect(try box.seal(secret, context: "factor:1") != sealed, "a fresh nonce every time")
    }

    @Test("Refuses tampering, another row's context and another key")
    func refuses() throws {
        let box = SecretBox(current: try .init(bytes: random.bytes(32)))
        var sealed = try box.seal(random.bytes(20), context: "factor:1")
        #expect(throws: SecretBoxError.self) { try box.open(sealed, context: "factor:2") }
        let other = SecretBox(current: try .init(bytes: random.bytes(32)))
        #expect(throws: SecretBoxError.self) { try other.open(sealed, context: "factor:1") }
        sealed[sealed.count - 1] ^= 1
        #expect(throws: SecretBoxError.self) { try box.open(sealed, context: "factor:1") }
        #expect(throws: SecretBoxError.self) { try box.open(Data([1, 2, 3]), context: "factor:1") }
    }

    @Test("Rotation: old keys still open, new values use the new key")
    func rotation() throws {
        let old = try SecretBox.Key(bytes: random.bytes(32))
        let new = try SecretBox.Key(bytes: random.bytes(32))
        let sealedUnderOld = try SecretBox(current: old).seal([1, 2, 3], context: "c")
        let rotated = SecretBox(current: new, previous: [old])
        #expect(try rotated.open(sealedUnderOld, context: "c") == [1, 2, 3])
        #expect(rotated.needsRotation(sealedUnderOld))
        #expect(!rotated.needsRotation(try rotated.seal([1], context: "c")))
        #expect(throws: SecretBoxError.unknownKey) { try SecretBox(current: new).open(sealedUnderOld, context: "c") }
    }

    @Test("Keys are 32 bytes of base64")
    func keyFormat() throws {
        #expect(try SecretBox.Key(encoded: SecretBox.generateKey()).id.count == 8)
        #expect(throws: SecretBoxError.self) { try SecretBox.Key(encoded: "c2hvcnQ=") }
        #expect(throws: SecretBoxError.self) { try SecretBox.Key(encoded: "not base64 at all!") }
    }
}

extension Optional {
    var isSome: Bool { self != nil }
}
