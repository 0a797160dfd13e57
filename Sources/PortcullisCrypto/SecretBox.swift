import Crypto
import Foundation

/// Encrypts secrets at rest (OTP seeds, later token seeds) with AES-256-GCM under the key-encryption key.
///
/// A sealed value is `version(1) | keyID(8) | nonce(12) | ciphertext | tag(16)`. The key id lets old keys stay
/// configured for decryption while new values are sealed under the current key (rotation). The associated data
/// binds a ciphertext to its row, so a sealed secret copied into another row does not open.
public struct SecretBox: Sendable {
    public struct Key: Sendable {
        public let id: [UInt8]
        let material: [UInt8]
        var key: SymmetricKey { SymmetricKey(data: material) }

        /// A key from 32 raw bytes; its id is the first 8 bytes of its SHA-256.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == 32 else { throw SecretBoxError.badKey }
            self.material = bytes
            self.id = Array(SHA256.hash(data: bytes).prefix(8))
        }

        /// A key from its configuration form: 32 bytes in standard or URL-safe base64.
        public init(encoded: String) throws {
            let trimmed = encoded.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let bytes = Data(base64Encoded: trimmed).map(Array.init) ?? Base64URL.decode(trimmed) else {
                throw SecretBoxError.badKey
            }
            try self.init(bytes: bytes)
        }
    }

    public let current: Key
    public let previous: [Key]

    public init(current: Key, previous: [Key] = []) {
        self.current = current
        self.previous = previous
    }

    public func seal(_ plaintext: [UInt8], context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: current.key, authenticating: Array(context.utf8))
        var out = Data([1])
        out.append(contentsOf: current.id)
        out.append(box.combined!)
        return out
    }

    public func open(_ sealed: Data, context: String) throws -> [UInt8] {
        let bytes = Array(sealed)
        guard bytes.count > 1 + 8 + 12 + 16, bytes[0] == 1 else { throw SecretBoxError.malformed }
        let keyID = Array(bytes[1..<9])
        guard let key = ([current] + previous).first(where: { $0.id == keyID }) else { throw SecretBoxError.unknownKey }
        let box = try AES.GCM.SealedBox(combined: bytes[9...])
        do {
            return Array(try AES.GCM.open(box, using: key.key, authenticating: Array(context.utf8)))
        } catch {
            throw SecretBoxError.authenticationFailed
        }
    }

    /// Whether `sealed` was sealed under an older key and should be re-sealed.
    public func needsRotation(_ sealed: Data) -> Bool {
        sealed.count > 9 && Array(sealed[sealed.startIndex + 1 ..< sealed.startIndex + 9]) != current.id
    }

    /// A new random key in its configuration form.
    public static func generateKey() -> String {
        Data(SystemRandomSource().bytes(32)).base64EncodedString()
    }
}

public enum SecretBoxError: Error, CustomStringConvertible {
    case badKey, malformed, unknownKey, authenticationFailed

    public var description: String {
        switch self {
        case .badKey: "the key-encryption key must be 32 bytes in base64 (make one with `portcullis key generate`)"
        case .malformed: "a sealed secret is malformed"
        case .unknownKey: "a secret was sealed under a key that is not configured"
        case .authenticationFailed: "a sealed secret failed its integrity check"
        }
    }
}

extension SecretBox: CustomStringConvertible, CustomReflectable {
    /// Never prints key material, whoever logs this value.
    public var description: String { "SecretBox(current: \(current), previous: \(previous.count))" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

extension SecretBox.Key: CustomStringConvertible, CustomReflectable {
    public var description: String { "Key(id: \(id.map { String(format: "%02x", $0) }.joined()))" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
