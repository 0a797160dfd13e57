import PortcullisCore
import PortcullisCrypto
import PortcullisWebAuthn

/// What the page script passes to `navigator.credentials.create()` (`publicKey`; binary values base64url), and the
/// id of the challenge the registration answers.
struct CreationOptionsJSON: Encodable, Sendable {
    let challengeId: String
    let publicKey: PublicKey

    struct PublicKey: Encodable, Sendable {
        let rp: RelyingParty
        let user: UserEntity
        let challenge: String
        let pubKeyCredParams: [Parameter]
        let timeout: Int
        let excludeCredentials: [CredentialDescriptorJSON]
        let authenticatorSelection: AuthenticatorSelection
        let attestation = "none"
    }

    struct RelyingParty: Encodable, Sendable {
        let id: String
        let name: String
    }

    struct UserEntity: Encodable, Sendable {
        let id: String
        let name: String
        let displayName: String
    }

    struct Parameter: Encodable, Sendable {
        let type = "public-key"
        let alg: Int
    }

    /// A discoverable credential where the authenticator can make one, so the key can also be a passkey.
    struct AuthenticatorSelection: Encodable, Sendable {
        let residentKey = "preferred"
        let requireResidentKey = false
        let userVerification: String
    }

    init(_ options: WebAuthnService.CreationOptions, rpID: String, rpName: String) {
        self.challengeId = options.challengeID
        self.publicKey = PublicKey(
            rp: RelyingParty(id: rpID, name: rpName),
            user: UserEntity(id: options.userHandle, name: options.userName, displayName: options.displayName),
            challenge: Base64URL.encode(options.challenge),
            pubKeyCredParams: WebAuthn.supportedAlgorithms.map { Parameter(alg: $0) },
            timeout: WebAuthnService.ceremonyTimeout,
            excludeCredentials: options.exclude.map(CredentialDescriptorJSON.init),
            authenticatorSelection: AuthenticatorSelection(userVerification: options.requireUserVerification ? "required" : "preferred"))
    }
}
