import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn
import PortcullisTestKit

/// COSE keys, the relying party and authenticator data on their own, outside a ceremony.
extension WebAuthnTests {
    // MARK: COSE keys

    @Test("COSE keys: the fixtures' keys parse and anything else is refused")
    func coseKeys() throws {
        for name in F.names {
            let fixture = try F.load(name)
            let bytes = try F.bytes(fixture.registration.expected.publicKey)
            let key = try COSEPublicKey(bytes: bytes)
            #expect(key.bytes == bytes)
            #expect(key.algorithm.rawValue == fixture.registration.expected.algorithm)
        }
        let es256 = try CBORValue.decode(F.bytes(F.load("es256-packed-self").registration.expected.publicKey))
        let x = try #require(es256[-2]?.bytesValue), y = try #require(es256[-3]?.bytesValue)
        func key(_ entries: [(Int, CBORValue)]) -> [UInt8] { CBORValue.map(entries.map { (.int($0.0), $0.1) }).encoded() }

        #expect(throws: COSEKeyError.unsupportedAlgorithm(nil)) { try COSEPublicKey(bytes: key([(1, .int(2)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(y))])) }
        #expect(throws: COSEKeyError.unsupportedAlgorithm(-36)) { try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-36))])) }
        #expect(throws: COSEKeyError.unsupportedAlgorithm(-37)) { try COSEPublicKey(bytes: key([(1, .int(3)), (3, .int(-37))])) }
        #expect(throws: COSEKeyError.unsupportedKeyType("ES256 needs key type EC2 (2), not 1")) {
            try COSEPublicKey(bytes: key([(1, .int(1)), (3, .int(-7)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(y))]))
        }
        #expect(throws: COSEKeyError.unsupportedKeyType("ES256 needs curve P-256 (1)")) {
            try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-7)), (-1, .int(2)), (-2, .bytes(x)), (-3, .bytes(y))]))
        }
        #expect(throws: COSEKeyError.unsupportedKeyType("EdDSA needs curve Ed25519 (6)")) {  // X25519 is not for signing
            try COSEPublicKey(bytes: key([(1, .int(1)), (3, .int(-8)), (-1, .int(4)), (-2, .bytes(x))]))
        }
        var offCurve = y
        offCurve[31] ^= 1
        #expect(throws: COSEKeyError.invalidKey("point is not on P-256")) {
            try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-7)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(offCurve))]))
        }
        #expect(throws: COSEKeyError.invalidKey("P-256 coordinates must be 32 bytes")) {
            try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-7)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(y + [0]))]))
        }
        #expect(throws: COSEKeyError.malformed("y (-3) is not a byte string")) {  // compressed points are not allowed
            try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-7)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bool(true))]))
        }
        #expect(throws: COSEKeyError.invalidKey("private key present")) {
            try COSEPublicKey(bytes: key([(1, .int(2)), (3, .int(-7)), (-1, .int(1)), (-2, .bytes(x)), (-3, .bytes(y)), (-4, .bytes(x))]))
        }
        let rs256 = try CBORValue.decode(F.bytes(F.load("rs256-packed-self").registration.expected.publicKey))
        let n = try #require(rs256[-1]?.bytesValue)
        #expect(throws: COSEKeyError.invalidKey("RSA modulus must be 2048 to 8192 bits")) {  // RSA-1024
            try COSEPublicKey(bytes: key([(1, .int(3)), (3, .int(-257)), (-1, .bytes(Array(n.prefix(128)))), (-2, .bytes([1, 0, 1]))]))
        }
        #expect(throws: COSEKeyError.invalidKey("not a usable RSA public key")) {  // an even modulus
            try COSEPublicKey(bytes: key([(1, .int(3)), (3, .int(-257)), (-1, .bytes(Array(n.dropLast()) + [0])), (-2, .bytes([1, 0, 1]))]))
        }
        #expect(throws: COSEKeyError.malformed("not a map")) { try COSEPublicKey(bytes: CBORValue.array([]).encoded()) }
        #expect(throws: (any Error).self) { try COSEPublicKey(bytes: [0xa1, 0x01]) }
    }

    @Test("COSE signature verification per algorithm")
    func coseVerify() throws {
        for name in F.names {
            let fixture = try F.load(name)
            let key = try COSEPublicKey(bytes: F.bytes(fixture.registration.expected.publicKey))
            let assertion = fixture.assertions[0]
            let data = try F.bytes(assertion.authenticatorData) + F.bytes(assertion.clientDataHash)
            let signature = try F.bytes(assertion.signature)
            #expect(key.verify(signature: signature, data: data), "\(name)")
            #expect(!key.verify(signature: signature, data: data + [0]), "\(name)")
            #expect(!key.verify(signature: Array(signature.dropLast()), data: data), "\(name)")
            #expect(!key.verify(signature: [], data: data), "\(name)")
        }
    }

    // MARK: Relying party

    @Test("the relying party from PORTCULLIS_BASE_URL")
    func relyingPartyFromBaseURL() {
        let cases: [(String, String?, String?)] = [
            ("https://mfa.example.com", "mfa.example.com", "https://mfa.example.com"),
            ("https://MFA.Example.com/", "mfa.example.com", "https://mfa.example.com"),
            ("https://mfa.example.com:443/portal", "mfa.example.com", "https://mfa.example.com"),
            ("https://mfa.example.com:8443", "mfa.example.com", "https://mfa.example.com:8443"),
            ("http://127.0.0.1:8080", "127.0.0.1", "http://127.0.0.1:8080"),
            ("http://localhost:8080/", "localhost", "http://localhost:8080"),
            ("http://localhost:80", "localhost", "http://localhost"),
            ("http://[::1]:8080", "::1", "http://[::1]:8080"),
            ("ftp://mfa.example.com", nil, nil),
            ("mfa.example.com", nil, nil),
            ("https://user:pass@mfa.example.com", nil, nil),
            ("https://", nil, nil),
            ("", nil, nil),
        ]
        for (url, id, origin) in cases {
            let rp = WebAuthnRelyingParty(baseURL: url, name: "Portcullis")
            #expect(rp?.id == id, "\(url)")
            #expect(rp?.origin == origin, "\(url)")
            if rp != nil { #expect(rp?.name == "Portcullis") }
        }
    }

    @Test("authenticator data parsing")
    func authenticatorDataParsing() throws {
        let fixture = try F.load("es256-packed-self")
        let object = try CBORValue.decode(F.bytes(fixture.registration.attestationObject))
        let authData = try AuthenticatorData(bytes: #require(object["authData"]?.bytesValue))
        #expect(authData.userPresent && authData.userVerified && authData.backupEligible && authData.backupState)
        #expect(authData.hasAttestedCredentialData && authData.hasExtensions)
        #expect(try authData.extensions.map { try CBORValue.decode($0) } == .map([(.text("credProtect"), .unsigned(2))]))
        #expect(authData.attestedCredential?.credentialID == (try F.bytes(fixture.registration.expected.credentialID)))
        #expect(AuthenticatorData.maxCredentialIDLength == 1023)
    }
}
