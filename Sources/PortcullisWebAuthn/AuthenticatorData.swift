import Foundation

/// Authenticator data (WebAuthn §6.1): RP ID hash, flags, signature counter, and on registration the attested
/// credential data (§6.5.2); extension outputs are checked to be one well-formed CBOR map and otherwise ignored.
public struct AuthenticatorData: Sendable, Equatable {
    /// The attested credential data of a registration.
    public struct AttestedCredential: Sendable, Equatable {
        public var aaguid: [UInt8]
        public var credentialID: [UInt8]
        public var publicKey: COSEPublicKey
    }

    /// The longest credential ID accepted (WebAuthn §7.1 step 25).
    public static let maxCredentialIDLength = 1023

    public var rpIDHash: [UInt8]
    public var flags: UInt8
    public var signCount: UInt32
    public var attestedCredential: AttestedCredential?
    /// The raw extension outputs (a CBOR map), when the ED flag is set.
    public var extensions: [UInt8]?

    public var userPresent: Bool { flags & 0x01 != 0 }
    public var userVerified: Bool { flags & 0x04 != 0 }
    public var backupEligible: Bool { flags & 0x08 != 0 }
    public var backupState: Bool { flags & 0x10 != 0 }
    public var hasAttestedCredentialData: Bool { flags & 0x40 != 0 }
    public var hasExtensions: Bool { flags & 0x80 != 0 }

    /// Parses authenticator data. Throws `WebAuthnError.malformedAuthenticatorData`, or `.credentialIDTooLong`,
    /// `.unsupportedAlgorithm` or `.malformedPublicKey` for the attested credential.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 37 else { throw WebAuthnError.malformedAuthenticatorData }
        rpIDHash = Array(bytes[0..<32])
        flags = bytes[32]
        signCount = bytes[33..<37].reduce(0) { $0 << 8 | UInt32($1) }
        var position = 37

        if flags & 0x40 != 0 {
            guard bytes.count - position >= 18 else { throw WebAuthnError.malformedAuthenticatorData }
            let aaguid = Array(bytes[position..<(position + 16)])
            let idLength = Int(bytes[position + 16]) << 8 | Int(bytes[position + 17])
            position += 18
            guard idLength <= Self.maxCredentialIDLength else { throw WebAuthnError.credentialIDTooLong }
            guard idLength > 0, bytes.count - position >= idLength else { throw WebAuthnError.malformedAuthenticatorData }
            let credentialID = Array(bytes[position..<(position + idLength)])
            position += idLength

            let rest = Array(bytes[position...])
            let key: CBORValue, keyLength: Int
            do {
                (key, keyLength) = try CBORValue.decodePrefix(rest, maxDepth: 4, maxItems: 64)
            } catch {
                throw WebAuthnError.malformedAuthenticatorData
            }
            let publicKey: COSEPublicKey
            do {
                publicKey = try COSEPublicKey(cbor: key, bytes: Array(rest[0..<keyLength]))
            } catch let error as COSEKeyError {
                switch error {
                case .unsupportedAlgorithm, .unsupportedKeyType: throw WebAuthnError.unsupportedAlgorithm
                case .malformed, .invalidKey: throw WebAuthnError.malformedPublicKey
                }
            }
            position += keyLength
            attestedCredential = AttestedCredential(aaguid: aaguid, credentialID: credentialID, publicKey: publicKey)
        } else {
            attestedCredential = nil
        }

        if flags & 0x80 != 0 {
            let rest = Array(bytes[position...])
            guard let value = try? CBORValue.decode(rest, maxDepth: 8, maxItems: 1_000), value.mapValue != nil else {
                throw WebAuthnError.malformedAuthenticatorData
            }
            extensions = rest
        } else {
            guard position == bytes.count else { throw WebAuthnError.malformedAuthenticatorData }
            extensions = nil
        }
    }
}
