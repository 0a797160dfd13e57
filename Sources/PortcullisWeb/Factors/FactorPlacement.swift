import PortcullisCore

/// Where a factor type appears outside its own pages: its section of the settings page, and how it is proven in
/// "Forgot password" and "Unlock account". Each presenter gives its own; the pages ask, never branch on a type.
struct FactorPlacement: Sendable {
    /// The settings page's heading and hint for this kind.
    let title: String
    var hint: String?
    /// Its place in the seeds' order (SPEC §5: external email, the default method, phone numbers, authenticator
    /// apps, hardware tokens, grid pattern, security keys and fingerprints, backup codes).
    let rank: Int
    /// Shown before the default-method section (external email).
    var beforeDefault = false
    /// The section also offers a new list (backup codes).
    var offersNewList = false
    /// How recovery asks for it.
    var recovery: RecoveryProof

    /// Proving a factor of this kind in recovery.
    struct RecoveryProof: Sendable {
        /// Typed as a code: the choice's words ("Code from your authenticator app").
        var codeLabel: String?
        /// A code the server sends first: the button's words, and over which channel.
        var sendLabel: String?
        var channel: MessageChannel?
        /// A security key's assertion, or a drawn grid pattern.
        var securityKey = false
        var pattern = false
    }
}
