/// The challenge for one of the user's factors (`challenge`), at sign-in or at a step-up: a code field, a security
/// key button, or a drawing grid, with "Send code" for SMS and email.
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
    /// What to do, said above the field (or the key button, or the grid).
    var prompt = ""
    /// The code field's `inputmode` and whether it only takes digits and spaces (`pattern`).
    var inputMode = "numeric"
    var pattern = true
    /// A security key or passkey: the button that runs the browser's ceremony instead of a code field.
    var isKey = false
    /// A grid pattern: the drawing grid instead of a code field.
    var grid: PatternGridView?
    /// An SMS or email factor: the "Send code" form; `hasCode` when a code is out ("Send a new code").
    var canSend = false
    var hasCode = false
    /// The code the user may text in instead (inbound SMS), and where to.
    var inbound: InboundSMSView?
}
