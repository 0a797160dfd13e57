/// The challenge for one of the user's factors (`challenge`), at sign-in or at a step-up; what is asked comes from the
/// factor type's presenter.
struct ChallengePage: PageView {
    static let template = "challenge"
    let title = "Verify it's you"
    /// The factor's kind, as the heading names it ("Authenticator app").
    let typeName: String
    /// Where the forms post (`/login/challenge` or `/settings/verify`) and the "Use another method" link.
    let action: String
    let methodsPath: String
    /// Whether this is a step-up before a security change.
    let stepUp: Bool
    /// Where a step-up returns to.
    let next: String
    let factorID: String
    /// The factor type's part (`FactorPresenter.challenge`): its prompt, its partial inside the form, "Send code",
    /// an inbound SMS code, its script.
    let part: ChallengePart
    /// "Remember this device for N days" (`factors/remember`, in every factor's form): at sign-in, when the user's
    /// organization remembers devices.
    let remember: RememberDeviceView?
}

/// The "Remember this device" checkbox of the challenge forms.
struct RememberDeviceView: Sendable {
    let label: String

    init(days: Int) {
        label = "Remember this device for \(days) day\(days == 1 ? "" : "s")"
    }
}
