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
        /// "Text me a code", "Email me a code".
        let sends: [Send]
        let securityKey: Bool
        let pattern: Bool
        /// "Method 2 of 2" when the organization asks for two.
        let step: String?
    }

    struct Send: Sendable {
        let channel: String
        let label: String
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

    /// The ways to prove each kind the organization offers, from their presenters (in the settings page's order).
    static func verify(offered: [FactorType], presenters: FactorPresenters, proven: Int, needed: Int) -> Verify {
        let kinds = presenters.all.filter { offered.contains($0.type) }.sorted { $0.placement.rank < $1.placement.rank }
        // Codes the user reads off a device first (the usual case), then codes we send, then backup codes.
        func group(_ presenter: any FactorPresenter) -> Int {
            (presenter.placement.recovery.sendLabel == nil ? 0 : 1) + (presenter.placement.offersNewList ? 2 : 0)
        }
        let codes = kinds.sorted { group($0) < group($1) }
            .compactMap { presenter in presenter.placement.recovery.codeLabel.map { (presenter.type.rawValue, $0) } }
        return Verify(codeTypes: codes.enumerated().map { OptionView(value: $1.0, label: $1.1, selected: $0 == 0) },
                      sends: kinds.compactMap { presenter in
                          let proof = presenter.placement.recovery
                          guard let label = proof.sendLabel, let channel = proof.channel else { return nil }
                          return Send(channel: channel.rawValue, label: label)
                      },
                      securityKey: kinds.contains { $0.placement.recovery.securityKey },
                      pattern: kinds.contains { $0.placement.recovery.pattern },
                      step: needed > 1 ? "Method \(min(proven + 1, needed)) of \(needed)" : nil)
    }
}
