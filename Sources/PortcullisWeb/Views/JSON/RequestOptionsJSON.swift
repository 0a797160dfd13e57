import PortcullisCore
import PortcullisCrypto

/// What the page script passes to `navigator.credentials.get()` (`publicKey`; binary values base64url), and the id
/// of the challenge the assertion answers.
struct RequestOptionsJSON: Encodable, Sendable {
    let challengeId: String
    let publicKey: PublicKey

    struct PublicKey: Encodable, Sendable {
        let challenge: String
        let timeout: Int
        let userVerification: String
        let allowCredentials: [CredentialDescriptorJSON]
        /// The relying party's id, when the server has one configured (left out otherwise).
        let rpId: String?
    }

    init(_ options: WebAuthnService.RequestOptions, rpID: String?) {
        self.challengeId = options.challengeID
        self.publicKey = PublicKey(challenge: Base64URL.encode(options.challenge), timeout: WebAuthnService.ceremonyTimeout,
                                   userVerification: options.requireUserVerification ? "required" : "preferred",
                                   allowCredentials: options.allow.map(CredentialDescriptorJSON.init), rpId: rpID)
    }
}
