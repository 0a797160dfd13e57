/// Enrolling an authenticator app (`enroll-totp`): first a button that makes the secret, then its QR code, key and
/// key URI with the form for the first code.
struct EnrollTOTPPage: PageView {
    static let template = "factors/totp/enroll"
    let title = "Set up an authenticator app"
    /// The secret to add to the app; nil before one is made ("Show the QR code").
    let setup: TOTPSetupView?
    let cancel: String
}
