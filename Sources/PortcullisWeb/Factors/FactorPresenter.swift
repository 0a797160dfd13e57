import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// How one factor type appears on the web: its folder here (`Factors/<Type>/`) beside the domain's, its templates in
/// `Templates/factors/<type>/`. `FactorPresenters` is the registry; pages ask it and never branch on a type.
protocol FactorPresenter: Sendable {
    var type: FactorType { get }
    /// A few words under the type's name on the settings page ("Device you have").
    var kind: String { get }
    /// How a user adds one; nil when users cannot add it themselves (hardware tokens come from an admin, backup codes
    /// from their own button).
    var addOption: AddOption? { get }
    /// The factor's name on the pages before the second factor is answered (an email address is masked there).
    func maskedLabel(_ factor: Factor) -> String
    /// The type's part of the challenge page.
    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart
    /// The answer posted from the challenge form, or nil when nothing usable was entered (said by `missingAnswer`).
    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse?
    var missingAnswer: Notice { get }
    /// Its section of the settings page and its proof in recovery.
    var placement: FactorPlacement { get }
    /// The type's part of its row on the settings page.
    func settingsRow(_ summary: FactorManagement.Summary) -> SettingsRowPart
    /// The prompt the verification API sends with a challenge for this factor (`sent`: a code went out just now).
    func apiPrompt(for factor: Factor, sent: Bool) -> String
    /// Adds the type's enrollment routes.
    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>)
}

extension FactorPresenter {
    func maskedLabel(_ factor: Factor) -> String { factor.label }
    var missingAnswer: Notice { .enterTheCode }
    func settingsRow(_ summary: FactorManagement.Summary) -> SettingsRowPart { SettingsRowPart() }
    func apiPrompt(for factor: Factor, sent: Bool) -> String { "Enter the code from your authenticator app." }
    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>) {}

    /// The usual answer: a typed code of at most 64 characters.
    func typedCode(from form: FormData) -> FactorResponse? {
        let code = form.text("code")
        return code.isEmpty || code.count > 64 ? nil : .code(code)
    }
}

/// How a user adds a factor of a type, on "Set up two-step verification" and in settings.
struct AddOption: Sendable {
    /// The element id (`enroll-<id>` on the enrollment page, `add-<id>` in settings).
    var id: String
    /// The enrollment page's entry: the name and what it is.
    var title: String
    var description: String
    /// The settings button's text.
    var settingsTitle: String
    /// Where it starts: a page (GET), or a form that starts it (POST: a new secret is made only by a POST).
    var path: String
    var startsWithPost = false
    /// Offered during a first enrollment; false for backups, which need a possession factor beside them.
    var firstFactor = true
    /// The primary button in settings.
    var primary = false
}

/// A challenge page's type-specific part: the prompt and the partial rendered inside the answer form, with what it
/// needs.
struct ChallengePart: Sendable {
    var prompt: String
    /// The partial's name (`factors/<type>/challenge`), included dynamically by `challenge.mustache`.
    var partial: String
    /// A typed code's input: its `inputmode` and whether it takes digits only.
    var inputMode = "numeric"
    var digitsOnly = true
    /// A pattern's drawing grid.
    var grid: PatternGridView?
    /// SMS and email: the "Send code" form below, and whether a live code exists (the button then says "Send a new
    /// code").
    var canSend = false
    var hasCode = false
    /// An inbound SMS code the user may text instead, and to which number.
    var inbound: InboundSMSView?
    /// A page script the part needs (`/static/<name>.js`).
    var script: String?
}

/// A settings row's type-specific part.
struct SettingsRowPart: Sendable {
    /// A line under the name ("3 unused", "Synced passkey").
    var note: String?
    var noteClass = ""
    /// Single-use codes not used yet, for a list of them.
    var remainingCodes: Int?
    var renamable = true
    var removable = true
    /// A partial with the type's own actions (a token's resync form), or nil.
    var actionsPartial: String?
}
