import PortcullisCore

/// The "Forgot password" and "Unlock account" pages (`recover`): the username, then the ways to prove who you are
/// (the same list whatever the name: the kinds the organization allows), a grid pattern, the challenge questions, and
/// the unlock. Nothing on them depends on whether the name is an account until a method was proven.
struct RecoveryPage: PageView {
    static let template = "recover"
    let title: String
    /// "Forgot password" (reset) or "Unlock account".
    let resetting: Bool
    var start: Start?
    var verify: Verify?
    var pattern: PatternGridView?
    var questions: [Question]? { didSet { hasQuestions = !(questions ?? []).isEmpty } }
    var hasQuestions = false
    /// The organization's sign-in page.
    var loginPath = "/login"
    var unlock = false
    var needsAdministrator = false
    var notice: Notice?

    /// The first page: the username.
    struct Start: Sendable {
        let action: String
        let purpose: String
    }

    /// The methods page.
    struct Verify: Sendable {
        /// The kinds that are answered with a typed code, as choices.
        let codeTypes: [OptionView]
        let sendSMS: Bool
        let sendEmail: Bool
        let securityKey: Bool
        let pattern: Bool
        /// "Method 2 of 2" when the organization asks for two.
        let step: String?
    }

    struct Question: Sendable {
        let index: Int
        let text: String
    }

    init(purpose: RecoveryPurpose, notice: Notice? = nil) {
        resetting = purpose == .reset
        title = resetting ? "Forgot your password?" : "Unlock your account"
        self.notice = notice
    }

    /// The kinds of factor typed as a code, and their names on this page.
    static let codeTypeNames: [(FactorType, String)] = [
        (.totp, "Code from your authenticator app"), (.hotp, "Code from your hardware token"), (.sms, "Code we texted you"),
        (.email, "Code we emailed you"), (.backupCodes, "Backup code"),
    ]

    static func verify(offered: [FactorType], proven: Int, needed: Int) -> Verify {
        let codes = codeTypeNames.filter { offered.contains($0.0) }
        return Verify(codeTypes: codes.enumerated().map { OptionView(value: $1.0.rawValue, label: $1.1, selected: $0 == 0) },
                      sendSMS: offered.contains(.sms), sendEmail: offered.contains(.email), securityKey: offered.contains(.webauthn),
                      pattern: offered.contains(.pattern), step: needed > 1 ? "Method \(min(proven + 1, needed)) of \(needed)" : nil)
    }
}
