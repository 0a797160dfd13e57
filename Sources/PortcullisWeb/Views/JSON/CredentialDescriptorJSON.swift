import PortcullisCore

/// A credential in `excludeCredentials` or `allowCredentials` (its id base64url, decoded by the page script).
struct CredentialDescriptorJSON: Encodable, Sendable {
    let type = "public-key"
    let id: String
    let transports: [String]

    init(_ credential: WebAuthnService.CredentialDescriptor) {
        self.id = credential.id
        self.transports = credential.transports
    }
}
