import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn
import PortcullisTestKit

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

    // MARK: Helpers

    /// `value` (a map) with the entry for `key` replaced, order kept.
    func replacing(_ value: CBORValue, key: String, with replacement: CBORValue) -> CBORValue {
        guard case .map(let entries) = value else { return value }
        return .map(entries.map { $0.0 == .text(key) ? ($0.0, replacement) : $0 })
    }
}
