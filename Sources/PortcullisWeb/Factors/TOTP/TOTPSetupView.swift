/// A pending authenticator app enrollment: what the user adds to the app, and the form's values.
struct TOTPSetupView: Sendable {
    /// The QR code of the key URI: an SVG made by the server (written unescaped).
    let qr: String
    let uri: String
    /// The secret in groups, for typing.
    let secret: String
    let digits: Int
    let factorID: String
    /// The name the app gets (the one entered before, after a wrong code).
    let label: String
}
