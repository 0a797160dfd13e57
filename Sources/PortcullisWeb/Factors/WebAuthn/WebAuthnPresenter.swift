import Foundation
import Hummingbird
import PortcullisCore

/// Security keys and passkeys on the web: the browser answers the challenge (`webauthn.js`) with an assertion for the
/// single-use challenge issued to this session.
struct WebAuthnPresenter: FactorPresenter {
    let type = WebAuthnFactor().type
    let kind = "Device you have"
    let placement = FactorPlacement(title: "Security keys and fingerprints", rank: 6, recovery: .init(securityKey: true))
    let addOption: AddOption? = AddOption(
        id: "webauthn", title: "Security key or fingerprint",
        description: "a USB key, your computer's fingerprint reader, Windows Hello, Touch ID or a passkey",
        settingsTitle: "Add security key or fingerprint", path: "/enroll/webauthn")

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        ChallengePart(prompt: "Use \(factor.label): when your browser asks, touch the key or confirm with your fingerprint or screen lock.",
                      partial: "factors/webauthn/challenge", script: "webauthn")
    }

    var missingAnswer: Notice { .challengeExpired }

    /// The assertion, with the challenge this session was given, taken (single use) here. A stale or foreign
    /// challenge is nothing usable.
    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        guard let assertion = form["assertion"], !assertion.isEmpty,
              let taken = try await web.app.webAuthn.takeChallenge(id: form.text("challenge_id"), purpose: .authentication, binding: session.binding),
              taken.userID == user.id else { return nil }
        return .assertion(WebAuthnAnswer(assertionJSON: assertion, challenge: taken.challenge))
    }

    func settingsRow(_ summary: FactorManagement.Summary) -> SettingsRowPart {
        guard let backedUp = summary.details.keyBackedUp else { return SettingsRowPart() }
        // What kind of authenticator it is, as far as the credential says (synced passkeys are backed up).
        let note = backedUp ? "Synced passkey" : (summary.details.keyBackupEligible == true ? "Passkey" : "Device-bound key")
        return SettingsRowPart(note: note, noteClass: "key-kind")
    }

    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>) {
        WebAuthnController(web: web).register(on: browser)
    }
}
