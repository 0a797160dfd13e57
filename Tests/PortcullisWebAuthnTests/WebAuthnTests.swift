import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn
import PortcullisTestSupport

/// The WebAuthn fixtures under `Fixtures/webauthn/`, written by `make_webauthn.py` (soft-webauthn, fido2, cbor2 and
/// cryptography, checked there with fido2's verifiers), never by our code. Regenerate with
/// `.venv/bin/python Tests/PortcullisWebAuthnTests/Fixtures/webauthn/make_webauthn.py`; the tests only read them.
enum WebAuthnFixtures {
    struct RelyingParty: Decodable {
        let id: String
        let name: String
        let origin: String

        var value: WebAuthnRelyingParty { WebAuthnRelyingParty(id: id, name: name, origin: origin) }
    }

    struct Fixture: Decodable {
        let description: String
        let rp: RelyingParty
        let requireUserVerification: Bool
        let registration: Registration
        let assertions: [Assertion]
    }

    struct Registration: Decodable {
        let challenge: String
        let clientDataJSON: String
        let attestationObject: String
        let expected: ExpectedRegistration
    }

    struct ExpectedRegistration: Decodable {
        let credentialID: String
        let publicKey: String
        let algorithm: Int
        let signCount: UInt32
        let aaguid: String
        let userVerified: Bool
        let backupEligible: Bool
        let backupState: Bool
        let attestationFormat: String
    }

    struct Assertion: Decodable {
        let challenge: String
        let clientDataJSON: String
        let authenticatorData: String
        let signature: String
        /// SHA-256(clientDataJSON), computed by the generator.
        let clientDataHash: String
        let storedSignCount: UInt32
        let expected: ExpectedAssertion
    }

    struct ExpectedAssertion: Decodable {
        let signCount: UInt32
        let userVerified: Bool
        let backupState: Bool
    }

    struct NegativeFile: Decodable {
        let rp: RelyingParty
        let cases: [Case]
    }

    /// A response signed correctly by the generator's authenticator but wrong in one respect.
    struct Case: Decodable {
        let name: String
        let ceremony: String
        let note: String?
        let requireUserVerification: Bool
        let challenge: String
        let clientDataJSON: String
        let attestationObject: String?
        let authenticatorData: String?
        let signature: String?
        let credentialPublicKey: String?
        let storedSignCount: UInt32?
        /// The `WebAuthnError` expected (see `error(named:)`), or nil when the response must be accepted.
        let error: String?
    }

    static let names = ["soft-es256-none", "es256-packed-self", "rs256-packed-self", "eddsa-none", "es256-packed-x5c"]
    static let packedNames = ["es256-packed-self", "rs256-packed-self", "es256-packed-x5c"]

    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/webauthn"))
        return try Data(contentsOf: url)
    }

    static func load(_ name: String) throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: data(name))
    }

    static func negative() throws -> NegativeFile {
        try JSONDecoder().decode(NegativeFile.self, from: data("negative"))
    }

    static let negativeCaseNames: [String] = (try? negative().cases.map(\.name)) ?? []

    /// Base64url from a fixture; a bad fixture fails the test rather than trapping.
    static func bytes(_ text: String?, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let text = try #require(text, sourceLocation: sourceLocation)
        return try #require(Base64URL.decode(text), "not base64url: \(text)", sourceLocation: sourceLocation)
    }

    /// The error a case names: a case name, "unsupportedAttestation:<format>" or "signCountRegression:<stored>:<received>".
    static func error(named name: String) -> WebAuthnError? {
        let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
        switch parts[0] {
        case "unsupportedAttestation": return parts.count == 2 ? .unsupportedAttestation(parts[1]) : nil
        case "signCountRegression":
            let counts = parts.count == 2 ? parts[1].split(separator: ":").compactMap { UInt32($0) } : []
            return counts.count == 2 ? .signCountRegression(stored: counts[0], received: counts[1]) : nil
        default:
            let simple: [String: WebAuthnError] = [
                "challengeTooShort": .challengeTooShort, "malformedClientData": .malformedClientData,
                "wrongType": .wrongType, "challengeMismatch": .challengeMismatch, "originMismatch": .originMismatch,
                "crossOrigin": .crossOrigin, "malformedAttestation": .malformedAttestation,
                "malformedAuthenticatorData": .malformedAuthenticatorData, "rpIdHashMismatch": .rpIdHashMismatch,
                "userNotPresent": .userNotPresent, "userNotVerified": .userNotVerified,
                "invalidBackupFlags": .invalidBackupFlags, "unsupportedAlgorithm": .unsupportedAlgorithm,
                "malformedPublicKey": .malformedPublicKey, "attestationInvalid": .attestationInvalid,
                "badSignature": .badSignature, "credentialIDTooLong": .credentialIDTooLong,
            ]
            return simple[parts[0]]
        }
    }
}

@Suite("WebAuthn")
struct WebAuthnTests {
    typealias F = WebAuthnFixtures

    /// Runs a registration from a fixture with optional overrides.
    func register(_ fixture: F.Fixture, clientDataJSON: [UInt8]? = nil, attestationObject: [UInt8]? = nil,
                  challenge: [UInt8]? = nil, rp: WebAuthnRelyingParty? = nil,
                  requireUserVerification: Bool? = nil) throws -> WebAuthnRegistration {
        try WebAuthn.verifyRegistration(
            clientDataJSON: clientDataJSON ?? F.bytes(fixture.registration.clientDataJSON),
            attestationObject: attestationObject ?? F.bytes(fixture.registration.attestationObject),
            expectedChallenge: challenge ?? F.bytes(fixture.registration.challenge),
            relyingParty: rp ?? fixture.rp.value,
            requireUserVerification: requireUserVerification ?? fixture.requireUserVerification)
    }

    /// Runs an assertion from a fixture with optional overrides.
    func assert(_ fixture: F.Fixture, _ index: Int = 0, clientDataJSON: [UInt8]? = nil, authenticatorData: [UInt8]? = nil,
                signature: [UInt8]? = nil, publicKey: [UInt8]? = nil, storedSignCount: UInt32? = nil,
                challenge: [UInt8]? = nil, rp: WebAuthnRelyingParty? = nil,
                requireUserVerification: Bool? = nil) throws -> WebAuthnAssertion {
        let assertion = fixture.assertions[index]
        return try WebAuthn.verifyAssertion(
            clientDataJSON: clientDataJSON ?? F.bytes(assertion.clientDataJSON),
            authenticatorData: authenticatorData ?? F.bytes(assertion.authenticatorData),
            signature: signature ?? F.bytes(assertion.signature),
            credentialPublicKey: publicKey ?? F.bytes(fixture.registration.expected.publicKey),
            storedSignCount: storedSignCount ?? assertion.storedSignCount,
            expectedChallenge: challenge ?? F.bytes(assertion.challenge),
            relyingParty: rp ?? fixture.rp.value,
            requireUserVerification: requireUserVerification ?? fixture.requireUserVerification)
    }

    func flipping(_ bytes: [UInt8], at index: Int, mask: UInt8 = 0x01) -> [UInt8] {
        var copy = bytes
        copy[index] ^= mask
        return copy
    }

    // MARK: Responses from the software authenticators

    @Test("registration and assertions from the generator pass", arguments: F.names)
    func fixturesPass(name: String) throws {
        let fixture = try F.load(name)
        let expected = fixture.registration.expected
        let registration = try register(fixture)
        #expect(registration == WebAuthnRegistration(
            credentialID: try F.bytes(expected.credentialID), publicKey: try F.bytes(expected.publicKey),
            algorithm: expected.algorithm, signCount: expected.signCount, aaguid: try F.bytes(expected.aaguid),
            userVerified: expected.userVerified, backupEligible: expected.backupEligible,
            backupState: expected.backupState, attestationFormat: expected.attestationFormat))
        #expect(try COSEPublicKey(bytes: registration.publicKey).algorithm.rawValue == registration.algorithm)

        // The assertions in order, each against the counter the previous one left.
        var stored = registration.signCount
        #expect(!fixture.assertions.isEmpty)
        for (index, assertion) in fixture.assertions.enumerated() {
            #expect(assertion.storedSignCount == stored)
            let result = try self.assert(fixture, index, publicKey: registration.publicKey, storedSignCount: stored)
            #expect(result == WebAuthnAssertion(signCount: assertion.expected.signCount,
                                                userVerified: assertion.expected.userVerified,
                                                backupState: assertion.expected.backupState))
            stored = result.signCount
        }
    }

    @Test("each algorithm and format is covered")
    func coverage() throws {
        let registrations = try F.names.map { try register(F.load($0)) }
        #expect(Set(registrations.map(\.algorithm)) == [-7, -257, -8])
        #expect(Set(registrations.map(\.attestationFormat)) == ["none", "packed"])
        #expect(try F.negative().cases.count >= 60)
    }

    @Test("soft-webauthn's authenticator does no user verification: refused when required, accepted when not")
    func userVerificationPolicy() throws {
        let fixture = try F.load("soft-es256-none")
        #expect(throws: WebAuthnError.userNotVerified) { try register(fixture, requireUserVerification: true) }
        #expect(throws: WebAuthnError.userNotVerified) { try assert(fixture, requireUserVerification: true) }
        #expect(try register(fixture, requireUserVerification: false).userVerified == false)
        #expect(try assert(fixture, requireUserVerification: false).userVerified == false)
    }

    // MARK: Correctly signed but wrong responses

    @Test("signed responses with one fault get the right error", arguments: F.negativeCaseNames)
    func negativeCase(name: String) throws {
        let file = try F.negative()
        let testCase = try #require(file.cases.first { $0.name == name })
        let expectedError: WebAuthnError? = try testCase.error.map { try #require(F.error(named: $0), "unknown error \($0)") }
        let run = {
            if testCase.ceremony == "registration" {
                _ = try WebAuthn.verifyRegistration(
                    clientDataJSON: F.bytes(testCase.clientDataJSON), attestationObject: F.bytes(testCase.attestationObject),
                    expectedChallenge: F.bytes(testCase.challenge), relyingParty: file.rp.value,
                    requireUserVerification: testCase.requireUserVerification)
            } else {
                _ = try WebAuthn.verifyAssertion(
                    clientDataJSON: F.bytes(testCase.clientDataJSON), authenticatorData: F.bytes(testCase.authenticatorData),
                    signature: F.bytes(testCase.signature), credentialPublicKey: F.bytes(testCase.credentialPublicKey),
                    storedSignCount: testCase.storedSignCount ?? 0, expectedChallenge: F.bytes(testCase.challenge),
                    relyingParty: file.rp.value, requireUserVerification: testCase.requireUserVerification)
            }
        }
        if let expectedError {
            #expect(throws: expectedError, "\(name)") { try run() }
        } else {
            #expect(throws: Never.self, "\(name)") { try run() }
        }
    }

    @Test("the negative cases exist and name known errors")
    func negativeCasesLoad() throws {
        let cases = try F.negative().cases
        #expect(cases.count == F.negativeCaseNames.count)
        for testCase in cases {
            if let error = testCase.error { #expect(F.error(named: error) != nil, "\(testCase.name): \(error)") }
        }
    }

    // MARK: Tampering with good responses

    @Test("a flipped signature byte is refused", arguments: F.names)
    func flippedAssertionSignature(name: String) throws {
        let fixture = try F.load(name)
        let signature = try F.bytes(fixture.assertions[0].signature)
        for index in [0, signature.count / 2, signature.count - 1] {
            #expect(throws: WebAuthnError.badSignature) { try assert(fixture, signature: flipping(signature, at: index)) }
        }
        #expect(throws: WebAuthnError.badSignature) { try assert(fixture, signature: []) }
        #expect(throws: WebAuthnError.badSignature) { try assert(fixture, signature: signature + [0]) }
    }

    @Test("a flipped packed attestation signature byte is refused", arguments: F.packedNames)
    func flippedAttestationSignature(name: String) throws {
        let fixture = try F.load(name)
        let object = try CBORValue.decode(F.bytes(fixture.registration.attestationObject))
        let statement = try #require(object["attStmt"])
        let signature = try #require(statement["sig"]?.bytesValue)
        for index in [0, signature.count / 2, signature.count - 1] {
            let tampered = replacing(object, key: "attStmt", with: replacing(statement, key: "sig",
                                                                          with: .bytes(flipping(signature, at: index))))
            #expect(throws: WebAuthnError.badSignature) { try register(fixture, attestationObject: tampered.encoded()) }
        }
        // Re-encoding the untouched object changes nothing (the fixtures are CTAP2 canonical).
        #expect(try register(fixture, attestationObject: object.encoded()).attestationFormat == "packed")
    }

    @Test("the signature covers clientDataJSON and authenticator data", arguments: F.names)
    func signatureCoverage(name: String) throws {
        let fixture = try F.load(name)
        let clientData = try F.bytes(fixture.assertions[0].clientDataJSON)
        // Still valid JSON with the same members, but not what was signed.
        #expect(throws: WebAuthnError.badSignature) { try assert(fixture, clientDataJSON: clientData + Array(" ".utf8)) }
        // The counter byte (not checked before the signature).
        let authData = try F.bytes(fixture.assertions[0].authenticatorData)
        #expect(throws: WebAuthnError.badSignature) { try assert(fixture, authenticatorData: flipping(authData, at: 36, mask: 0x80)) }
        // A reserved flag bit (RFU1): not checked, but signed.
        #expect(throws: WebAuthnError.badSignature) { try assert(fixture, authenticatorData: flipping(authData, at: 32, mask: 0x02)) }
    }

    @Test("flags and RP ID hash in tampered authenticator data", arguments: F.names)
    func tamperedAuthenticatorData(name: String) throws {
        let fixture = try F.load(name)
        let authData = try F.bytes(fixture.assertions[0].authenticatorData)
        #expect(throws: WebAuthnError.rpIdHashMismatch) { try assert(fixture, authenticatorData: flipping(authData, at: 5)) }
        #expect(throws: WebAuthnError.userNotPresent) { try assert(fixture, authenticatorData: flipping(authData, at: 32, mask: 0x01)) }
        #expect(throws: WebAuthnError.malformedAuthenticatorData) { try assert(fixture, authenticatorData: Array(authData.prefix(36))) }
        #expect(throws: WebAuthnError.malformedAuthenticatorData) { try assert(fixture, authenticatorData: authData + [0]) }
        #expect(throws: WebAuthnError.malformedAuthenticatorData) { try assert(fixture, authenticatorData: []) }
    }

    @Test("wrong challenge, origin and RP ID are refused", arguments: F.names)
    func wrongExpectations(name: String) throws {
        let fixture = try F.load(name)
        let rp = fixture.rp.value
        let challenge = try F.bytes(fixture.registration.challenge)
        let assertionChallenge = try F.bytes(fixture.assertions[0].challenge)
        for wrong in [flipping(challenge, at: 0), Array(challenge.dropLast()) + [0], challenge + [0], assertionChallenge] {
            #expect(throws: WebAuthnError.challengeMismatch) { try register(fixture, challenge: wrong) }
        }
        #expect(throws: WebAuthnError.challengeMismatch) { try assert(fixture, challenge: challenge) }
        #expect(throws: WebAuthnError.challengeTooShort) { try register(fixture, challenge: Array(challenge.prefix(15))) }
        #expect(throws: WebAuthnError.challengeTooShort) { try assert(fixture, challenge: []) }

        for origin in [rp.origin + "/", rp.origin.uppercased(), "https://evil.example", rp.origin + ".evil.example",
                       rp.origin.replacingOccurrences(of: "://", with: "://www.")] {
            let other = WebAuthnRelyingParty(id: rp.id, name: rp.name, origin: origin)
            #expect(throws: WebAuthnError.originMismatch) { try register(fixture, rp: other) }
            #expect(throws: WebAuthnError.originMismatch) { try assert(fixture, rp: other) }
        }
        for id in ["example.com", "evil.example", rp.id.uppercased(), rp.id + "."] {
            let other = WebAuthnRelyingParty(id: id, name: rp.name, origin: rp.origin)
            #expect(throws: WebAuthnError.rpIdHashMismatch) { try register(fixture, rp: other) }
            #expect(throws: WebAuthnError.rpIdHashMismatch) { try assert(fixture, rp: other) }
        }
    }

    @Test("a registration is not an assertion and the other way round")
    func wrongType() throws {
        let fixture = try F.load("es256-packed-self")
        let assertion = fixture.assertions[0]
        #expect(throws: WebAuthnError.wrongType) {
            try register(fixture, clientDataJSON: F.bytes(assertion.clientDataJSON), challenge: F.bytes(assertion.challenge))
        }
        #expect(throws: WebAuthnError.wrongType) {
            try self.assert(fixture, clientDataJSON: F.bytes(fixture.registration.clientDataJSON),
                            challenge: F.bytes(fixture.registration.challenge))
        }
    }

    @Test("verification depends only on the challenge passed in")
    func stateless() throws {
        let fixture = try F.load("rs256-packed-self")
        // Same inputs, same outcome, any number of times: keeping challenges single-use is the caller's job.
        #expect(try register(fixture) == register(fixture))
        #expect(try assert(fixture) == assert(fixture))
        #expect(throws: WebAuthnError.challengeMismatch) { try assert(fixture, challenge: F.bytes(fixture.assertions[1].challenge)) }
        #expect(try assert(fixture, 1).signCount == 2)
    }

    @Test("the signature counter must move forward unless both are zero")
    func signCounter() throws {
        let rs256 = try F.load("rs256-packed-self")  // first assertion: counter 1
        #expect(try assert(rs256, storedSignCount: 0).signCount == 1)
        #expect(throws: WebAuthnError.signCountRegression(stored: 1, received: 1)) { try assert(rs256, storedSignCount: 1) }
        #expect(throws: WebAuthnError.signCountRegression(stored: 10, received: 1)) { try assert(rs256, storedSignCount: 10) }
        #expect(throws: WebAuthnError.signCountRegression(stored: .max, received: 1)) { try assert(rs256, storedSignCount: .max) }
        let passkey = try F.load("es256-packed-self")  // counter always 0
        #expect(try assert(passkey, storedSignCount: 0).signCount == 0)
        #expect(throws: WebAuthnError.signCountRegression(stored: 5, received: 0)) { try assert(passkey, storedSignCount: 5) }
        // The check runs only after the signature: a forged counter is a bad signature, never a counter error.
        let authData = try F.bytes(rs256.assertions[0].authenticatorData)
        #expect(throws: WebAuthnError.badSignature) { try assert(rs256, authenticatorData: flipping(authData, at: 35), storedSignCount: 10) }
    }

    @Test("attestation formats other than none and packed are refused")
    func unsupportedFormat() throws {
        let fixture = try F.load("es256-packed-self")
        let object = try CBORValue.decode(F.bytes(fixture.registration.attestationObject))
        for format in ["tpm", "android-key", "android-safetynet", "fido-u2f", "apple", "Packed", "none "] {
            let tampered = replacing(object, key: "fmt", with: .text(format))
            #expect(throws: WebAuthnError.unsupportedAttestation(format)) { try register(fixture, attestationObject: tampered.encoded()) }
        }
        // "none" with the packed statement still in it.
        #expect(throws: WebAuthnError.attestationInvalid) {
            try register(fixture, attestationObject: replacing(object, key: "fmt", with: .text("none")).encoded())
        }
    }

    @Test("malformed CBOR, JSON and keys are refused with their own errors")
    func malformedInputs() throws {
        let fixture = try F.load("eddsa-none")
        let object = try F.bytes(fixture.registration.attestationObject)
        for length in [0, 1, 10, object.count / 2, object.count - 1] {
            #expect(throws: WebAuthnError.malformedAttestation) { try register(fixture, attestationObject: Array(object.prefix(length))) }
        }
        #expect(throws: WebAuthnError.malformedAttestation) { try register(fixture, attestationObject: object + [0]) }
        #expect(throws: WebAuthnError.malformedAttestation) { try register(fixture, attestationObject: [0xff, 0xff]) }
        #expect(throws: WebAuthnError.malformedAttestation) { try register(fixture, attestationObject: CBORValue.array([]).encoded()) }
        let decoded = try CBORValue.decode(object)
        #expect(throws: WebAuthnError.malformedAttestation) {
            try register(fixture, attestationObject: replacing(decoded, key: "authData", with: .text("x")).encoded())
        }
        #expect(throws: WebAuthnError.malformedAttestation) {
            try register(fixture, attestationObject: replacing(decoded, key: "attStmt", with: .array([])).encoded())
        }
        // Authenticator data cut inside the COSE key.
        let authData = try #require(decoded["authData"]?.bytesValue)
        #expect(throws: WebAuthnError.malformedAuthenticatorData) {
            try register(fixture, attestationObject: replacing(decoded, key: "authData", with: .bytes(Array(authData.dropLast(3)))).encoded())
        }

        let clientData = try F.bytes(fixture.registration.clientDataJSON)
        for bad in [[], Array("not json".utf8), Array("[]".utf8), Array(clientData.dropLast()), [0xff] + clientData,
                    Array(#"{"type":"webauthn.create","origin":"https://mfa.example.com"}"#.utf8),
                    Array(#"{"type":1,"challenge":"x","origin":"y"}"#.utf8)] {
            #expect(throws: WebAuthnError.malformedClientData) { try register(fixture, clientDataJSON: bad) }
        }

        let key = try F.bytes(fixture.registration.expected.publicKey)
        #expect(throws: WebAuthnError.malformedPublicKey) { try assert(fixture, publicKey: Array(key.dropLast())) }
        #expect(throws: WebAuthnError.malformedPublicKey) { try assert(fixture, publicKey: []) }
        #expect(throws: WebAuthnError.malformedPublicKey) { try assert(fixture, publicKey: key + [0]) }
    }

    @Test("an unsupported stored key algorithm is refused (ES384)")
    func unsupportedStoredKey() throws {
        let fixture = try F.load("es256-packed-self")
        let es384 = CBORValue.map([(.int(1), .int(2)), (.int(3), .int(-35)), (.int(-1), .int(2)),
                                   (.int(-2), .bytes(Array(repeating: 1, count: 48))), (.int(-3), .bytes(Array(repeating: 2, count: 48)))])
        #expect(throws: WebAuthnError.unsupportedAlgorithm) { try assert(fixture, publicKey: es384.encoded()) }
        #expect(throws: COSEKeyError.unsupportedAlgorithm(-35)) { try COSEPublicKey(bytes: es384.encoded()) }
    }

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

    // MARK: Helpers

    /// `value` (a map) with the entry for `key` replaced, order kept.
    func replacing(_ value: CBORValue, key: String, with replacement: CBORValue) -> CBORValue {
        guard case .map(let entries) = value else { return value }
        return .map(entries.map { $0.0 == .text(key) ? ($0.0, replacement) : $0 })
    }
}
