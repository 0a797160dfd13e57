import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// What every page controller needs: the services, the templates and the cookie settings.
struct WebContext: Sendable {
    let app: Portcullis
    let pages: Pages
    let cookies: CookieSettings
    /// How each factor type appears on the pages.
    let presenters = FactorPresenters.standard

    /// Where a step-up returns to: a local path only.
    static func returnPath(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), raw.count <= 512 else { return "/settings" }
        return raw
    }

    /// A redirect that carries a (new) session cookie.
    func redirect(_ location: String, session: Session) -> Response {
        var response = Response.seeOther(location)
        response.setCookie(cookies.session(session.token))
        return response
    }

    /// Post/Redirect/Get: hands `flash` to the session's next page and redirects there (`session`: a new session,
    /// whose cookie is set).
    func redirect(_ location: String, flash: Flash, context: some PageContext, session: Session? = nil) async throws -> Response {
        if let target = session ?? context.browser.session { try await app.sessions.stash(flash, in: target) }
        var response = Response.seeOther(location)
        if let session { response.setCookie(cookies.session(session.token)) }
        return response
    }

    /// Where a sign-in that just completed goes: `next`, unless the user must first choose a new password.
    func landing(_ session: Session, _ next: String = "/portal") -> String {
        session.stage == .passwordChange ? "/login/password" : next
    }

    /// The browser's remembered-device cookie, when it sent one.
    func deviceCookie(_ request: Request) -> String? {
        request.cookies[cookies.deviceName]?.value
    }

    /// The browser a sign-in starts in: the id its browser cookie holds, or a new one for a browser without (or with
    /// a malformed) one. `response` sets the cookie again, renewing its lifetime.
    func browser(_ request: Request) -> (browser: SessionBrowser, cookie: Cookie) {
        var id = request.cookies[cookies.browserName]?.value ?? ""
        if !SessionBrowser.isWellFormed(id) { id = app.random.token() }
        return (SessionBrowser(id: id, userAgent: request.headers[.userAgent]), cookies.browser(id))
    }

    /// `response` with the remembered-device cookie set or cleared as a step said (unchanged for nil).
    func applying(_ change: DeviceCookieChange?, to response: Response) -> Response {
        guard let change else { return response }
        var response = response
        response.setCookie(cookies.device(change, now: app.clock.now))
        return response
    }

    /// Back to the sign-in page with a notice, the session cookie cleared.
    func backToLogin(organizationID: String, notice: Notice) async throws -> Response {
        var response = Response.seeOther(try await loginPath(organizationID: organizationID), notice: notice)
        response.setCookie(cookies.clearSession())
        return response
    }

    /// "Your account is locked": what the sign-in page shows after too many failed attempts (its `?notice=` code; the
    /// sign-in page words it with its organization's lockout duration).
    var locked: Notice { .locked(minutes: 0) }

    /// Fit for a security change (`SignInFlow.needsStepUp`), else a redirect to the step-up challenge, which returns
    /// to `next`.
    func requireRecentFactor(_ context: SignedInContext, next: String = "/settings") async throws {
        if try await app.flow.needsStepUp(context.session, user: context.user) { throw stepUp(next) }
    }

    /// A session allowed to enroll a factor of `type` now (`SignInFlow.mayEnroll`), else where to go first; a type
    /// the user's organization turned off is refused.
    func requireEnrollingUser(_ context: AppRequestContext, type: FactorType, next: String = "/settings") async throws -> (Session, User) {
        guard let session = context.session, let user = context.user else { throw PageError.redirect("/login") }
        try await requireAllowed(type, for: user)
        switch try await app.flow.mayEnroll(session, user: user) {
        case .allowed: return (session, user)
        case .stepUpFirst: throw stepUp(next)
        case .challengeFirst: throw PageError.redirect("/login/challenge")
        }
    }

    /// Refuses enrolling a type the user's organization turned off.
    func requireAllowed(_ type: FactorType, for user: User) async throws {
        guard FactorMethods.forPolicy(try await policy(for: user)).allowsEnrollment(type) else {
            throw EnrollmentCompletion.Refusal.typeNotAllowed(type)
        }
    }

    private func stepUp(_ next: String) -> PageError {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "/-_.")
        return PageError.redirect("/settings/verify?next=" + (next.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/settings"))
    }

    /// After a factor was confirmed: completes a sign-in in progress (the new factor proved itself), and shows the
    /// backup codes issued with a first factor (on the next page, once), or goes on.
    func finishEnrollment(session: Session, user: User, factor: Factor, backupCodes: [String]?, context: some PageContext) async throws -> Response {
        var next = session.stage == .signedIn ? Notice.enrolled.location("/settings") : "/portal"
        var target = session
        if session.stage == .secondFactor {
            guard let signedIn = try await app.flow.enrolled(session: session, user: user, factor: factor, ip: context.clientIP) else {
                return try await backToLogin(organizationID: user.organizationID, notice: locked)
            }
            target = signedIn
            next = landing(signedIn)
        } else {
            // The new factor just proved itself: that counts as a recent second factor.
            target = try await app.sessions.markVerified(session)
        }
        guard let backupCodes else {
            return target.token == session.token ? .seeOther(next) : redirect(next, session: target)
        }
        return try await showBackupCodes(backupCodes, next: next, context: context, session: target.token == session.token ? nil : target)
    }

    /// New backup codes go to the next page, shown once (`/backup-codes`).
    func showBackupCodes(_ codes: [String], next: String, context: some PageContext, session: Session? = nil) async throws -> Response {
        try await redirect("/backup-codes", flash: Flash(backupCodes: codes, next: next), context: context, session: session)
    }

    /// The policy a user's organization sets, over the server's.
    func policy(for user: User) async throws -> SecurityPolicy {
        try await app.factorContext.forOrganization(id: user.organizationID).policy
    }

    /// The ways this user may add a factor (their organization's allowed types).
    func addOptions(for user: User) async throws -> [AddOption] {
        presenters.addOptions(allowedBy: .forPolicy(try await policy(for: user)))
    }

    func organization(of user: User) async throws -> Organization {
        guard let organization = try await app.directory.organization(id: user.organizationID) else { throw PageError.notFound }
        return organization
    }

    /// The sign-in page of a user's organization.
    func loginPath(organizationID: String) async throws -> String {
        guard let organization = try await app.directory.organization(id: organizationID),
              organization.slug != Organization.defaultSlug else { return "/login" }
        return "/o/\(organization.slug)/login"
    }

    /// Renders a page of backup codes, shown once, with print and download; `next` is where "Continue" goes.
    func backupCodesPage(_ codes: [String], next: String, context: some PageContext) -> Response {
        pages.render(BackupCodesPage(codes: codes, next: next), context: context)
    }
}
