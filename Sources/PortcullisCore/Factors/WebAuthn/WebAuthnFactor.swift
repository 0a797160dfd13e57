import Foundation
import PortcullisCrypto
import PortcullisWebAuthn

/// Security keys, fingerprint readers, Windows Hello, Touch ID and passkeys (WebAuthn). Each credential is one factor;
/// its public key and sign count live in `webauthn_credentials`. It answers `.assertion` responses: the browser's JSON
/// with the single-use challenge issued to the session; registration is `WebAuthnService`'s ceremony.
public struct WebAuthnFactor: FactorMethod {
    public let descriptor = FactorDescriptor(type: .webauthn, strength: .possession, amr: "hwk", displayName: "Security key or fingerprint")

    public init() {}

    public func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck {
        guard case .assertion(let answer) = response else { return .rejected(reason: FactorCheck.wrongResponse) }
        let expected = answer.challenge
        guard let assertion = WebAuthnAssertionResponse.decode(answer.assertionJSON),
              let clientData = Base64URL.decode(assertion.response.clientDataJSON),
              let authenticatorData = Base64URL.decode(assertion.response.authenticatorData),
              let signature = Base64URL.decode(assertion.response.signature) else {
            return .rejected(reason: "malformed_assertion")
        }
        guard let credential = try await context.repositories.webAuthn.find(factorID: factor.id),
              constantTimeEquals(credential.id, assertion.id) else { return .rejected(reason: "unknown_credential") }
        guard let relyingParty = context.policy.relyingParty else {
            return .rejected(reason: "relying_party_not_configured")
        }
        let requireUV = context.policy.webAuthnRequireUserVerification || answer.requireUserVerification
        let result: WebAuthnAssertion
        do {
            result = try WebAuthn.verifyAssertion(
                clientDataJSON: clientData, authenticatorData: authenticatorData, signature: signature,
                credentialPublicKey: credential.publicKey, storedSignCount: credential.signCount, expectedChallenge: expected,
                relyingParty: relyingParty, requireUserVerification: requireUV)
        } catch let error as WebAuthnError {
            // A counter that went back may be a cloned authenticator: the audit reason says so (SPEC §3).
            if case .signCountRegression = error { return .rejected(reason: "sign_count_regression") }
            return .rejected(reason: "webauthn: \(error)")
        }
        // Conditional on the stored count, so two racing assertions cannot both move it.
        guard try await context.repositories.webAuthn.recordUse(id: credential.id, previousSignCount: credential.signCount,
                                                                signCount: result.signCount, backupState: result.backupState) else {
            return .rejected(reason: "sign_count_regression")
        }
        try await context.factors.markUsed(id: factor.id, at: context.clock.now)
        return .accepted
    }

    public func details(of factor: Factor, context: FactorContext) async throws -> FactorDetails {
        let credential = try await context.repositories.webAuthn.find(factorID: factor.id)
        return FactorDetails(keyBackedUp: credential?.backupState, keyBackupEligible: credential?.backupEligible)
    }
}
