import PortcullisApp
import PortcullisCore

/// Choosing a new password (`password`): in settings (with the current one), or the change a sign-in asks for (an
/// administrator's temporary password, or an expired one). It states the organization's rules, and a strength meter
/// (`password-meter.js`) follows the typing; the server's check decides.
struct PasswordPage: PageView {
    static let template = "password"
    let title: String
    /// Where the form posts: `/settings/password` or `/login/password`.
    let action: String
    /// Settings asks for the current password; a sign-in that asks for a new one already checked it.
    let asksCurrent: Bool
    /// Why a sign-in asks for a new password, in words (nil in settings).
    let reason: String?
    let minimumLength: Int
    let maximumLength: Int
    /// Classes the organization requires (0: none).
    let characterClasses: Int
    /// The last candidate's strength (0 to 4), shown after a refusal; the script updates it while typing.
    let strength: Int
    let strengthLabel: String
    var notice: Notice?

    static let strengthLabels = ["Very weak", "Weak", "Fair", "Strong", "Very strong"]

    /// `reason` nil: settings' change (with the current password); else a sign-in's or a reset's (`action`).
    init(required reason: String?, action: String? = nil, policy: PasswordPolicy, mfaRequired: Bool, verdict: PasswordVerdict? = nil,
         notice: Notice? = nil) {
        title = reason == nil ? "Change password" : "Choose a new password"
        self.action = action ?? (reason == nil ? "/settings/password" : "/login/password")
        asksCurrent = reason == nil
        self.reason = reason
        minimumLength = policy.minimumLength(mfaRequired: mfaRequired)
        maximumLength = max(64, policy.maximumLength)
        characterClasses = policy.characterClasses
        strength = verdict?.strength ?? 0
        strengthLabel = verdict.map { Self.strengthLabels[min(max($0.strength, 0), 4)] } ?? "Not rated yet"
        self.notice = notice ?? verdict?.refusal.map(Notice.problem)
    }
}
