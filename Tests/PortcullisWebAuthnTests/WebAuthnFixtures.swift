import Foundation
import PortcullisCrypto
import Testing
@testable import PortcullisWebAuthn

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
