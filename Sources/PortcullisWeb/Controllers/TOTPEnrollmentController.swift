import Hummingbird
import PortcullisCore

/// Enrolling an authenticator app: QR code (server-side SVG), key URI and typed secret, confirmed by a code. Used both
/// during sign-in (when a factor is owed) and from settings.
struct TOTPEnrollmentController {
    let web: WebContext
    var app: Portcullis { web.app }
    let totp = TOTPFactor()

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/enroll/totp") { _, context in try await start(context: context) }
        router.post("/enroll/totp") { _, context in try await confirm(context: context) }
    }

    private func start(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, next: "/enroll/totp")
        let enrollment = try await totp.beginEnrollment(userID: user.id, label: "Authenticator app", context: app.factorContext)
        return page(enrollment, user: user, session: session, label: enrollment.factor.label, error: nil, context: context)
    }

    private func confirm(context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, next: "/enroll/totp")
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
        case .confirmed(let confirmed, let codes):
            return try await web.finishEnrollment(session: session, user: user, factor: confirmed, backupCodes: codes, context: context)
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
