import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The user's password (SPEC §5): "Change password" in settings (the current password and a recent second factor),
/// and the new password a sign-in asks for after an administrator's temporary password or an expired one.
struct PasswordController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(signedIn router: some RouterMethods<SignedInContext>) {
        router.get("/settings/password") { _, context in
            try await web.requireRecentFactor(context, next: "/settings/password")
            return try await page(user: context.user, context: context)
        }
        router.post("/settings/password") { _, context in try await change(context: context) }
    }

    func register(passwordChange router: some RouterMethods<PasswordChangeContext>) {
        router.get("/login/password") { _, context in try await page(user: context.user, required: true, context: context) }
        router.post("/login/password") { _, context in try await choose(context: context) }
    }

    // MARK: Settings

    private func change(context: SignedInContext) async throws -> Response {
        try await web.requireRecentFactor(context, next: "/settings/password")
        let (user, form) = (context.user, context.form)
        let new = form["new"] ?? ""
        guard new == form["confirm"] ?? "" else {
            return try await page(user: user, notice: .passwordsDiffer, context: context, status: .unprocessableContent)
        }
        switch try await app.passwords.change(session: context.session, user: user, current: form["current"] ?? "",
                                              new: new, ip: context.clientIP) {
        case .changed: return .seeOther("/settings", notice: .passwordChanged)
        case .wrongCurrent: return try await page(user: user, notice: .currentPasswordWrong, context: context, status: .unauthorized)
        case .refused(let verdict): return try await page(user: user, verdict: verdict, context: context, status: .unprocessableContent)
        case .locked: return try await web.backToLogin(organizationID: user.organizationID, notice: web.locked)
        }
    }

    // MARK: At sign-in

    private func choose(context: PasswordChangeContext) async throws -> Response {
        let (user, form) = (context.user, context.form)
        let new = form["new"] ?? ""
        guard new == form["confirm"] ?? "" else {
            return try await page(user: user, required: true, notice: .passwordsDiffer, context: context, status: .unprocessableContent)
        }
        switch try await app.flow.choosePassword(session: context.session, user: user, new: new, passwords: app.passwords, ip: context.clientIP) {
        case .signedIn(let session):
            return web.redirect(Notice.passwordChanged.location("/portal"), session: session)
        case .refused(let verdict):
            return try await page(user: user, required: true, verdict: verdict, context: context, status: .unprocessableContent)
        }
    }

    // MARK: Page

    private func page(user: User, required: Bool = false, verdict: PasswordVerdict? = nil, notice: Notice? = nil,
                      context: some PageContext, status: HTTPResponse.Status = .ok) async throws -> Response {
        let organization = try await web.organization(of: user)
        let policy = app.factorContext.policy.applying(organization).password
        let mfaRequired = try await app.passwords.usesSecondFactor(user, organization: organization)
        let reason = required ? (user.mustChangePassword
            ? "Your administrator gave you a temporary password. Choose your own password to continue."
            : "Your password has expired. Choose a new one to continue.") : nil
        let page = PasswordPage(required: reason, policy: policy, mfaRequired: mfaRequired, verdict: verdict, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }
}
