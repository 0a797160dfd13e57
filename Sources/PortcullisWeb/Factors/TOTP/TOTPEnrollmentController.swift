import Hummingbird
import PortcullisApp
import PortcullisCore

/// Enrolling an authenticator app: QR code (server-side SVG), key URI and typed secret, confirmed by a code. Used both
/// during sign-in (when a factor is owed) and from settings. A new secret is made only by a POST ("Set up"), so
/// reloading or going back to the page shows the same one; every form answers with a redirect.
struct TOTPEnrollmentController {
    let web: WebContext
    var app: Portcullis { web.app }
    let totp = TOTPFactor()

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/enroll/totp") { _, context in try await page(context: context) }
        router.post("/enroll/totp/start") { _, context in try await start(context: context) }
        router.post("/enroll/totp") { _, context in try await confirm(context: context) }
    }

    /// The enrollment this user started within the hour and has not confirmed, if any.
    private func pending(_ user: User) async throws -> Factor? {
        try await app.factors.list(userID: user.id)
            .filter { $0.type == .totp && !$0.confirmed && app.clock.now.timeIntervalSince($0.createdAt) < 3600 }
            .max { $0.createdAt < $1.createdAt }
    }

    private func start(context: AppRequestContext) async throws -> Response {
        let (_, user) = try await web.requireEnrollingUser(context, type: .totp, next: "/enroll/totp")
        _ = try await totp.beginEnrollment(userID: user.id, label: "Authenticator app", context: try await app.factorContext.forOrganization(id: user.organizationID))
        return .seeOther("/enroll/totp")
    }

    private func confirm(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, type: .totp, next: "/enroll/totp")
        let label = context.form.text("label")
        let outcome = try await app.factors.confirm(userID: user.id, factorID: context.form.text("factor_id"),
                                                    response: FactorResponse.code(context.form.text("code")), label: label, ip: context.clientIP)
        switch outcome {
        case .notFound:
            return .seeOther("/enroll/totp")
        case .badCode:
            return try await web.redirect("/enroll/totp", flash: Flash(.authenticatorCodeMismatch, values: ["label": label]), context: context)
        case .confirmed(let confirmed, let codes):
            return try await web.finishEnrollment(session: session, user: user, factor: confirmed, backupCodes: codes, context: context)
        }
    }

    private func page(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, type: .totp, next: "/enroll/totp")
        let cancel = session.stage == .signedIn ? "/settings" : "/login/enroll"
        guard let factor = try await pending(user) else {
            return web.pages.render(EnrollTOTPPage(setup: nil, cancel: cancel), context: context)
        }
        let enrollment = try totp.enrollment(for: factor, context: try await app.factorContext.forOrganization(id: user.organizationID))
        let uri = enrollment.keyURI(issuer: app.configuration.policy.issuer, account: user.username)
        let setup = TOTPSetupView(qr: QRCode.svg(uri, id: "totp-qr", label: "QR code to scan with your authenticator app") ?? "",
                                  uri: uri, secret: enrollment.groupedSecret, digits: enrollment.parameters.digits, factorID: factor.id,
                                  label: context.flash?.values["label"] ?? factor.label)
        return web.pages.render(EnrollTOTPPage(setup: setup, cancel: cancel), context: context)
    }
}
