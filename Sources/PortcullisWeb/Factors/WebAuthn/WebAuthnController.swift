import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisWebAuthn

/// WebAuthn pages and endpoints: registering a security key, fingerprint reader or passkey; options for using one at
/// the challenge; and passkey sign-in without a password. The page script fetches options as JSON (posting the form's
/// CSRF token), runs the ceremony, and submits the browser's answer in an ordinary form.
struct WebAuthnController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/enroll/webauthn") { _, context in try await enrollPage(context: context) }
        router.post("/webauthn/register/options") { _, context in try await registrationOptions(context: context) }
        router.post("/webauthn/register/verify") { _, context in try await finishRegistration(context: context) }
        router.post("/webauthn/authenticate/options") { _, context in try await authenticationOptions(context: context) }
        router.post("/webauthn/passkey/options") { _, context in try await passkeyOptions(context: context) }
        router.post("/login/passkey") { request, context in try await passkeySignIn(request: request, context: context) }
    }

    /// Passkey sign-in happens before there is a session: its challenge is bound to the random value in the browser's
    /// CSRF cookie, which stays the same from the sign-in page to the passkey post (the form token does not).
    static func browserBinding(_ context: AppRequestContext) -> String { "browser:" + Hex.sha256(context.browserID) }

    // MARK: Registration

    private func enrollPage(context: AppRequestContext) async throws -> Response {
        let (session, _) = try await web.requireEnrollingUser(context, type: .webauthn, next: "/enroll/webauthn")
        return web.pages.render(EnrollWebAuthnPage(label: context.flash?.values["label"] ?? "",
                                                   cancel: session.stage == .signedIn ? "/settings" : "/login/enroll"), context: context)
    }

    private func registrationOptions(context: AppRequestContext) async throws -> Response {
        guard let (session, user) = try? await web.requireEnrollingUser(context, type: .webauthn, next: "/enroll/webauthn") else {
            return ProblemDocument.response(code: "session.ended", kind: .unauthenticated)
        }
        guard let rp = app.webAuthn.relyingParty else {
            return ProblemDocument.response(code: "webauthn.not_configured", kind: .unavailable)
        }
        let options = try await app.webAuthn.creationOptions(user: user, binding: session.binding)
        return .json(CreationOptionsJSON(options, rpID: rp.id, rpName: rp.name))
    }

    private func finishRegistration(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, type: .webauthn, next: "/enroll/webauthn")
        let outcome = try await app.webAuthn.register(user: user, binding: session.binding, challengeID: context.form.text("challenge_id"),
                                                      label: context.form.text("label"), responseJSON: context.form["credential"] ?? "",
                                                      ip: context.clientIP)
        switch outcome {
        case .refused(let problem):
            return try await web.redirect("/enroll/webauthn", flash: Flash(.problem(problem), values: ["label": context.form.text("label")]),
                                          context: context)
        case .registered(let factor, let codes):
            return try await web.finishEnrollment(session: session, user: user, factor: factor, backupCodes: codes, context: context)
        }
    }

    // MARK: Use

    private func authenticationOptions(context: AppRequestContext) async throws -> Response {
        // At the sign-in challenge, or at a step-up of a signed-in session.
        guard let session = context.session, let user = context.user else {
            return ProblemDocument.response(code: "session.ended", kind: .unauthenticated)
        }
        guard let options = try await app.webAuthn.authenticationOptions(user: user, factorID: context.form.text("factor_id"),
                                                                         binding: session.binding) else {
            return ProblemDocument.response(code: "webauthn.unknown_credential", kind: .notFound)
        }
        return .json(RequestOptionsJSON(options, rpID: app.webAuthn.relyingParty?.id))
    }

    private func passkeyOptions(context: AppRequestContext) async throws -> Response {
        guard try await passkeysAllowed(slug: context.form.text("org")) != nil else {
            return ProblemDocument.response(code: "passkey.unavailable", kind: .notFound)
        }
        return .json(RequestOptionsJSON(try await app.webAuthn.passkeyOptions(binding: Self.browserBinding(context)),
                                        rpID: app.webAuthn.relyingParty?.id))
    }

    // MARK: Passkey sign-in

    /// The organization whose sign-in page offers passkeys, or nil when passkey sign-in is off for it or the server.
    func passkeysAllowed(slug: String) async throws -> Organization? {
        let slug = slug.isEmpty ? Organization.defaultSlug : slug
        guard let organization = try await app.directory.organization(slug: slug),
              offersPasskeys(organization) else { return nil }
        return organization
    }

    /// Whether the organization's sign-in page offers "Sign in with a passkey".
    func offersPasskeys(_ organization: Organization) -> Bool {
        app.configuration.policy.passkeySignIn && app.webAuthn.relyingParty != nil && organization.policy.passkeysAllowed
    }

    /// Signs in with a discoverable credential and user verification, no password. Every refusal gets the same
    /// message; a bad assertion for a known credential counts toward its owner's lockout like any failed factor.
    private func passkeySignIn(request: Request, context: AppRequestContext) async throws -> Response {
        let slug = context.form.text("org")
        let loginPath = slug.isEmpty || slug == Organization.defaultSlug || !Organization.isValidSlug(slug) ? "/login" : "/o/\(slug)/login"
        let failed = Response.seeOther(loginPath, notice: .passkeyFailed)
        guard let organization = try await passkeysAllowed(slug: slug),
              let taken = try await app.webAuthn.takeChallenge(id: context.form.text("challenge_id"), purpose: .passkey,
                                                               binding: Self.browserBinding(context)),
              let json = context.form["assertion"], let assertion = WebAuthnAssertionResponse.decode(json),
              let (user, factor) = try await app.webAuthn.passkeyOwner(of: assertion),
              user.organizationID == organization.id else { return failed }
        let response = FactorResponse.assertion(WebAuthnAnswer(assertionJSON: json, challenge: taken.challenge, requireUserVerification: true))
        let browser = web.browser(request)
        switch try await app.flow.passkey(user: user, factor: factor, response: response, ip: context.clientIP, replacing: context.session,
                                          browser: browser.browser) {
        case .signedIn(let session):
            var signedIn = web.redirect(web.landing(session), session: session)
            signedIn.setCookie(browser.cookie)
            return signedIn
        case .rejected:
            return failed
        case .locked:
            return .seeOther(loginPath, notice: web.locked)
        }
    }
}
