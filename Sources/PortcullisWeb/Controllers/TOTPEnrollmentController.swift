import Hummingbird
import PortcullisCore

/// Enrolling an authenticator app: QR code (server-side SVG), key URI and typed secret, confirmed by a code. Used both
/// during sign-in (when a factor is owed) and from settings.
struct TOTPEnrollmentController {
    let web: WebContext
    var app: Portcullis { web.app }
    let totp = TOTPFactor()

    func register(on router: Router<AppRequestContext>) {
        router.get("/enroll/totp") { _, context in try await start(context: context) }
        router.post("/enroll/totp") { _, context in try await confirm(context: context) }
    }

    /// Who may enroll: a signed-in user, or one mid-sign-in who has no factor yet. A user who already has factors
    /// must pass their challenge first, or a stolen password could add the thief's own authenticator.
    private func enrollingUser(_ context: AppRequestContext) async throws -> (Session, User) {
        guard let session = context.session, let user = context.user else { throw PageError.redirect("/login") }
        if session.stage == .signedIn { return (session, user) }
        guard case .enroll = try await app.signIn.nextStep(for: user) else { throw PageError.redirect("/login/challenge") }
        return (session, user)
    }

    private func start(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await enrollingUser(context)
        let enrollment = try await totp.beginEnrollment(userID: user.id, label: "Authenticator app", context: app.factorContext)
        return page(enrollment, user: user, session: session, label: enrollment.factor.label, error: nil, context: context)
    }

    private func confirm(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await enrollingUser(context)
        let factorID = context.form.text("factor_id")
        let label = context.form.text("label")
        let outcome = try await app.factors.confirm(userID: user.id, factorID: factorID, response: FactorResponse(code: context.form.text("code")),
                                                    label: label, ip: context.clientIP)
        switch outcome {
        case .notFound:
            return .seeOther("/enroll/totp")
        case .badCode:
            guard let factor = try await app.repositories.factors.find(id: factorID, userID: user.id) else { return .seeOther("/enroll/totp") }
            let enrollment = try totp.enrollment(for: factor, context: app.factorContext)
            var response = page(enrollment, user: user, session: session, label: label.isEmpty ? factor.label : label,
                                error: "That code didn't match. Wait for a new code in your app and enter it.", context: context)
            response.status = .unprocessableContent
            return response
        case .confirmed(_, let codes):
            let next = session.stage == .signedIn ? "/settings?notice=enrolled" : "/portal"
            var response: Response
            if let codes {
                response = web.backupCodesPage(codes, next: next, context: context)
            } else {
                response = .seeOther(next)
            }
            if session.stage == .secondFactor {
                // Confirming the new factor proved it: the sign-in is complete.
                let signedIn = try await app.sessions.advance(session, to: .signedIn, addingAMR: [totp.amr])
                try await app.signIn.recordSuccess(user: user, amr: signedIn.amr, ip: context.clientIP)
                response.setCookie(web.cookies.session(signedIn.token))
            }
            return response
        }
    }

    private func page(_ enrollment: TOTPFactor.Enrollment, user: User, session: Session, label: String, error: String?,
                      context: AppRequestContext) -> Response {
        let uri = enrollment.keyURI(issuer: app.configuration.policy.issuer, account: user.username)
        var data: [String: Any] = [
            "title": "Set up an authenticator app",
            "qr": QRCode.svg(uri, id: "totp-qr", label: "QR code to scan with your authenticator app") ?? "",
            "uri": uri,
            "secret": enrollment.groupedSecret,
            "factorID": enrollment.factor.id,
            "label": label,
            "digits": enrollment.settings.digits,
            "cancel": session.stage == .signedIn ? "/settings" : "/login/enroll",
        ]
        data["error"] = error
        return web.pages.render("enroll-totp", data, context: context)
    }
}
