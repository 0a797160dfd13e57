import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The sign-in state machine's pages (SPEC §2): password, then a challenge with the default factor (or another of the
/// user's factors), or enrollment when one is owed; sign-out.
struct SignInController {
    let web: WebContext
    var app: Portcullis { web.app }

    /// The one answer to every failed password step, whatever the reason (SPEC §2.1–2.2), naming the organization's
    /// lockout policy.
    func failed(_ organization: Organization) -> Notice {
        let policy = organization.policy
        return .signInFailed(lockoutThreshold: policy.lockoutThreshold, lockMinutes: Int((policy.lockoutDuration / 60).rounded()))
    }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/") { _, context in
            context.session?.stage == .signedIn ? Response.seeOther("/portal") : Response.seeOther("/login")
        }
        router.get("/login") { request, context in try await loginPage(slug: Organization.defaultSlug, request: request, context: context) }
        router.post("/login") { request, context in try await login(slug: Organization.defaultSlug, request: request, context: context) }
        router.get("/o/:org/login") { request, context in
            try await loginPage(slug: context.parameters.require("org"), request: request, context: context)
        }
        router.post("/o/:org/login") { request, context in
            try await login(slug: context.parameters.require("org"), request: request, context: context)
        }
        router.post("/logout") { _, context in try await logout(context: context) }
    }

    /// The steps after the password, for a session that owes its second factor.
    func register(secondFactor router: some RouterMethods<SecondFactorContext>) {
        ChallengeController<SecondFactorContext>(web: web, mode: .signIn).register(on: router)
        router.get("/login/enroll") { _, context in try await enrollPage(context: context) }
        router.post("/login/enroll/skip") { _, context in try await skipEnrollment(dismiss: false, context: context) }
        router.post("/login/enroll/dismiss") { _, context in try await skipEnrollment(dismiss: true, context: context) }
    }

    // MARK: Password

    private func organization(_ slug: String) async throws -> Organization {
        guard let organization = try await app.directory.organization(slug: slug) else {
            throw PageError.notFound
        }
        return organization
    }

    private func loginPage(slug: String, request: Request, context: AppRequestContext) async throws -> Response {
        let organization = try await organization(slug)
        if context.session?.stage == .signedIn { return .seeOther("/portal") }
        let notice = Notice.find(request.uri.queryParameters.get("notice").map { String($0) },
                                 among: Notice.signInPage(lockMinutes: Int((organization.policy.lockoutDuration / 60).rounded())))
        return renderLogin(organization, notice: notice, context: context)
    }

    private func renderLogin(_ organization: Organization, notice: Notice?, username: String = "", context: AppRequestContext,
                             status: HTTPResponse.Status = .ok) -> Response {
        let page = LoginPage(organization: organization.name, slug: organization.slug,
                             action: organization.slug == Organization.defaultSlug ? "/login" : "/o/\(organization.slug)/login",
                             passkeys: WebAuthnController(web: web).offersPasskeys(organization), username: username.isEmpty ? nil : username,
                             notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    /// The password step, with the browser's remembered-device cookie: a valid one skips the challenge, and the
    /// cookie comes back rotated (or cleared when it names nothing usable).
    private func login(slug: String, request: Request, context: AppRequestContext) async throws -> Response {
        let organization = try await organization(slug)
        let username = context.form.text("username")
        let password = context.form["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty, username.count <= 256, password.count <= 1024 else {
            return renderLogin(organization, notice: .missingCredentials, username: username, context: context, status: .badRequest)
        }
        let browser = web.browser(request)
        let (result, device) = try await app.flow.password(organization: organization, username: username, password: password,
                                                           ip: context.clientIP, replacing: context.session, device: web.deviceCookie(request),
                                                           browser: browser.browser)
        // As after a challenge: a user whose only kind of method the organization turned off is asked to add another.
        var portal = "/portal"
        if case .proceed(let session, .signedIn) = result, session.amr.contains(RememberedDevices.amr),
           FactorMethods.forPolicy(app.factorContext.applying(organization).policy).needsReplacement(try await app.factors.list(userID: session.userID)) {
            portal = Notice.replaceFactor.location("/settings")
        }
        var response = web.applying(device, to: answer(result, organization: organization, username: username, portal: portal, context: context))
        if case .proceed = result { response.setCookie(browser.cookie) }
        return response
    }

    private func answer(_ result: SignInFlow.PasswordResult, organization: Organization, username: String, portal: String,
                        context: AppRequestContext) -> Response {
        switch result {
        case .throttled(let until):
            let minutes = max(1, Int((until.timeIntervalSince(app.clock.now) / 60).rounded(.up)))
            var response = renderLogin(organization, notice: .throttled(minutes: minutes), username: username, context: context,
                                       status: .tooManyRequests)
            response.headers[.retryAfter] = String(minutes * 60)
            return response
        case .failed:
            return renderLogin(organization, notice: failed(organization), username: username, context: context, status: .unauthorized)
        case .proceed(let session, let step):
            switch step {
            case .challenge: return web.redirect("/login/challenge", session: session)
            case .enroll: return web.redirect("/login/enroll", session: session)
            case .signedIn: return web.redirect(portal, session: session)
            case .changePassword: return web.redirect("/login/password", session: session)
            }
        }
    }

    // MARK: Enrollment during sign-in

    private func enrollPage(context: SecondFactorContext) async throws -> Response {
        let user = context.user
        guard case .enroll(let required) = try await app.signIn.nextStep(for: user) else { return .seeOther("/login/challenge") }
        return web.pages.render(EnrollmentChoicePage(required: required, options: try await web.addOptions(for: user).filter(\.firstFactor)),
                                context: context)
    }

    private func skipEnrollment(dismiss: Bool, context: SecondFactorContext) async throws -> Response {
        let (session, user) = (context.session, context.user)
        switch try await app.flow.skipEnrollment(session: session, user: user, dismiss: dismiss, ip: context.clientIP) {
        case .signedIn(let signedIn): return web.redirect(web.landing(signedIn), session: signedIn)
        case .notAllowed: throw PageError.page(.forbidden, title: "Not allowed", message: "Your organization requires two-step verification.")
        case .locked: return try await web.backToLogin(organizationID: user.organizationID, notice: web.locked)
        }
    }

    // MARK: Sign-out

    private func logout(context: AppRequestContext) async throws -> Response {
        var location = "/login"
        if let session = context.session {
            try await app.flow.signOut(session, ip: context.clientIP)
            location = try await web.loginPath(organizationID: session.organizationID)
        }
        var response = Response.seeOther(location, notice: .signedOut)
        response.setCookie(web.cookies.clearSession())
        return response
    }
}
