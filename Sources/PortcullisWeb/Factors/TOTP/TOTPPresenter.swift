import Foundation
import Hummingbird
import PortcullisCore

/// Authenticator apps on the web: a typed code at the challenge; enrollment by QR code (`TOTPEnrollmentController`).
struct TOTPPresenter: FactorPresenter {
    let type = TOTPFactor().type
    let kind = "Device you have"
    let placement = FactorPlacement(title: "Authenticator apps", rank: 3, recovery: .init(codeLabel: "Code from your authenticator app"))
    let addOption: AddOption? = AddOption(
        id: "totp", title: "Authenticator app", description: "Google or Microsoft Authenticator, Duo Mobile, 1Password… (recommended)",
        settingsTitle: "Add authenticator app", path: "/enroll/totp/start", startsWithPost: true, primary: true)

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        let digits = (try? factor.parameters(as: TOTPParameters.self).digits) ?? 6
        return ChallengePart(prompt: "Enter the \(digits)-digit code from your authenticator app (\(factor.label)).", partial: "factors/totp/challenge")
    }

    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        typedCode(from: form)
    }

    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>) {
        TOTPEnrollmentController(web: web).register(on: browser)
    }
}
