/// Registering a security key, fingerprint reader or passkey (`enroll-webauthn`).
struct EnrollWebAuthnPage: PageView {
    static let template = "factors/webauthn/enroll"
    let title = "Add a security key or fingerprint"
    /// The name entered before (after a refusal).
    let label: String
    let cancel: String
}
