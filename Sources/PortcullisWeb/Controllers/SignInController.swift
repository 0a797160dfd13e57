import Foundation
import Hummingbird
import PortcullisCore

/// The sign-in state machine's pages (SPEC §2): password, then a challenge with the default factor (or another of the
/// user's factors), or enrollment when one is owed; sign-out.
struct SignInController {
    let web: WebContext
    var app: Portcullis { web.app }

    /// The one answer to every failed password step, whatever the reason (SPEC §2.1–2.2).
    var failedMessage: String {
        let policy = app.configuration.policy
        return "Sign-in failed. Check your username and password and try again. After \(policy.lockoutThreshold) failed attempts an "
            + "account is locked for \(lockMinutes) minutes; it unlocks by itself, or an administrator can unlock it sooner."
    }

    var lockedMessage: String {
        "Too many failed attempts: your account is locked for \(lockMinutes) minutes. It unlocks by itself, or an administrator can unlock it sooner."
    }

    private var lockMinutes: Int { Int((app.configuration.policy.lockoutDuration / 60).rounded()) }

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { _, context in
            context.session?.stage == .signedIn ? Response.seeOther("/portal") : Response.seeOther("/login")
        }
        router.get("/login") { request, context in try await loginPage(slug: Organization.defaultSlug, request: request, context: context) }
        router.post("/login") { _, context in try await login(slug: Organization.defaultSlug, context: context) }
        router.get("/o/:org/login") { request, context in
            try await loginPage(slug: context.parameters.require("org"), request: request, context: context)
        }
        router.post("/o/:org/login") { _, context in try await login(slug: context.parameters.require("org"), context: context) }
        router.get("/login/challenge") { request, context in
            try await challengePage(wanted: request.uri.queryParameters.get("factor").map { String($0) }, sendCode: true, context: context)
        }
        router.post("/login/challenge") { _, context in try await answerChallenge(context: context) }
        router.post("/login/challenge/resend") { _, context in try await resendCode(context: context) }
        router.get("/login/challenge/status") { request, context in try await inboundStatus(request: request, context: context) }
        router.get("/login/methods") { _, context in try await methodsPage(context: context) }
        router.get("/login/enroll") { _, context in try await enrollPage(context: context) }
        router.post("/login/enroll/skip") { _, context in try await skipEnrollment(dismiss: false, context: context) }
        router.post("/login/enroll/dismiss") { _, context in try await skipEnrollment(dismiss: true, context: context) }
        router.post("/logout") { _, context in try await logout(context: context) }
    }

    // MARK: Password

    private func organization(_ slug: String) async throws -> Organization {
        guard Organization.isValidSlug(slug), let organization = try await app.repositories.organizations.find(slug: slug) else {
            throw PageError.notFound
        }
        return organization
    }

    private func loginPage(slug: String, request: Request, context: AppRequestContext) async throws -> Response {
        let organization = try await organization(slug)
        if context.session?.stage == .signedIn { return .seeOther("/portal") }
        var data: [String: Any] = [:]
        switch request.uri.queryParameters.get("notice") {
        case "locked": data["error"] = lockedMessage
        case "signed_out": data["notice"] = "You have signed out."
        case "expired": data["notice"] = "Your sign-in took too long. Please start again."
        case "passkey_failed": data["error"] = "Sign-in with a passkey did not work. Try again, or sign in with your username and password."
        default: break
        }
        return renderLogin(organization, data, context: context)
    }

    private func renderLogin(_ organization: Organization, _ extra: [String: Any], context: AppRequestContext,
                             status: HTTPResponse.Status = .ok) -> Response {
        var data = extra
        data["title"] = "Sign in"
        data["organization"] = organization.name
        data["slug"] = organization.slug
        data["passkeys"] = WebAuthnController(web: web).offersPasskeys(organization)
        data["action"] = organization.slug == Organization.defaultSlug ? "/login" : "/o/\(organization.slug)/login"
        return web.pages.render("login", data, context: context, status: status)
    }

    private func login(slug: String, context: AppRequestContext) async throws -> Response {
        let organization = try await organization(slug)
        let username = context.form.text("username")
        let password = context.form["password"] ?? ""
        guard !username.isEmpty, !password.isEmpty, username.count <= 256, password.count <= 1024 else {
            return renderLogin(organization, ["error": "Enter your username and password.", "username": username],
                               context: context, status: .badRequest)
        }
        switch try await app.signIn.verifyPassword(organization: organization, username: username, password: password, ip: context.clientIP) {
        case .throttled(let until):
            let minutes = max(1, Int((until.timeIntervalSince(app.clock.now) / 60).rounded(.up)))
            var response = renderLogin(organization, [
                "error": "Too many failed sign-ins from your network. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").",
                "username": username,
            ], context: context, status: .tooManyRequests)
            response.headers[.retryAfter] = String(minutes * 60)
            return response
        case .failed:
            return renderLogin(organization, ["error": failedMessage, "username": username], context: context, status: .unauthorized)
        case .success(let user):
            if let old = context.session { try await app.sessions.end(old.token) }
            let session = try await app.sessions.start(user: user, stage: .secondFactor, amr: ["pwd"])
            var response: Response
            switch try await app.signIn.nextStep(for: user) {
            case .challenge: response = .seeOther("/login/challenge")
            case .enroll: response = .seeOther("/login/enroll")
            case .done: return try await web.completeSignIn(session, user: user, addingAMR: [], ip: context.clientIP, then: "/portal")
            }
            response.setCookie(web.cookies.session(session.token))
            return response
        }
    }

    // MARK: Challenge

    /// The challenge for one of the user's factors (the default unless another is chosen). For SMS and email a code
    /// is sent when the page is first shown and none is live; a provider failure is said plainly and the other
    /// methods stay one click away, with the sign-in kept.
    private func challengePage(wanted: String?, sendCode: Bool = false, context: AppRequestContext, error: String? = nil,
                               notice: String? = nil, status: HTTPResponse.Status? = nil) async throws -> Response {
        let (_, user) = try web.requireSecondFactor(context)
        let factors = try await app.signIn.confirmedFactors(userID: user.id)
        guard let factor = factors.first(where: { $0.id == wanted }) ?? app.signIn.defaultFactor(among: factors) else {
            return .seeOther("/login/enroll")
        }
        var data = factor.view(methods: app.methods)
        data["title"] = "Verify it's you"
        data["factorID"] = factor.id
        data["hasOtherMethods"] = factors.count > 1
        data["inputMode"] = "numeric"
        data["pattern"] = true
        var error = error
        var notice = notice
        switch factor.type {
        case .backupCodes:
            data["prompt"] = "Enter one of your backup codes. Each code works once."
            data["inputMode"] = "text"
            data["pattern"] = false
        case .pattern:
            let size = factor.parameters["grid"].flatMap(Int.init) ?? app.configuration.policy.patternGridSize
            data["grid"] = PatternController.grid(size: size, field: "pattern", label: "Your pattern")
            data["prompt"] = "Draw your grid pattern, or type its dot numbers."
        case .webauthn:
            data["isKey"] = true
            data["prompt"] = "Use \(factor.label): when your browser asks, touch the key or confirm with your fingerprint or screen lock."
        case .hotp:
            data["prompt"] = "Press the button on your token (\(factor.parameters["serial"] ?? factor.label)) and enter the code it shows."
        case .sms, .email:
            let organization = try await web.organization(of: user)
            let channel = factor.type == .sms ? "text message" : "email"
            data["prompt"] = "Enter the code we sent by \(channel) to \(factor.label)."
            data["canResend"] = true
            let inbound = factor.type == .sms && organization.settings.inboundSMSEnabled && organization.settings.inboundSMSNumber != nil
            var live = try await app.repositories.challenges.latest(factorID: factor.id)
            if live.map({ $0.consumedAt != nil || $0.expiresAt <= app.clock.now }) ?? true { live = nil }
            if sendCode, live == nil {
                switch try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn,
                                                       ip: context.clientIP, inbound: inbound) {
                case .sent(let challenge): live = challenge; notice = notice ?? "We sent a code to \(factor.label)."
                case .coolingDown(let seconds): error = error ?? "Wait \(seconds) seconds before asking for another code."
                case .limited(let message), .failed(let message):
                    error = error ?? message
                    data["prompt"] = "No code could be sent by \(channel) just now. Ask for a new one, or use another method."
                }
            }
            if inbound, let code = live?.inboundCode, let number = organization.settings.inboundSMSNumber {
                data["inbound"] = ["code": code, "number": number]
            }
        default:
            data["prompt"] = "Enter the 6-digit code from your authenticator app (\(factor.label))."
        }
        data["error"] = error
        data["notice"] = notice
        return web.pages.render("challenge", data, context: context, status: status ?? (error == nil ? .ok : .unauthorized))
    }

    private func resendCode(context: AppRequestContext) async throws -> Response {
        let (_, user) = try web.requireSecondFactor(context)
        let factorID = context.form.text("factor_id")
        guard let factor = try await app.signIn.confirmedFactors(userID: user.id).first(where: { $0.id == factorID }),
              factor.type == .sms || factor.type == .email else { return .seeOther("/login/challenge") }
        let organization = try await web.organization(of: user)
        let inbound = factor.type == .sms && organization.settings.inboundSMSEnabled && organization.settings.inboundSMSNumber != nil
        switch try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: context.clientIP, inbound: inbound) {
        case .sent:
            return try await challengePage(wanted: factorID, context: context, notice: "We sent a new code to \(factor.label).")
        case .coolingDown(let seconds):
            return try await challengePage(wanted: factorID, context: context, error: "Wait \(seconds) seconds before asking for another code.", status: .tooManyRequests)
        case .limited(let message), .failed(let message):
            return try await challengePage(wanted: factorID, context: context, error: message, status: .serviceUnavailable)
        }
    }

    /// Polled by the challenge page while it shows an inbound SMS code: has the text arrived?
    private func inboundStatus(request: Request, context: AppRequestContext) async throws -> Response {
        let (_, user) = try web.requireSecondFactor(context)
        let factorID = request.uri.queryParameters.get("factor").map { String($0) } ?? ""
        var confirmed = false
        if let factor = try await app.repositories.factors.find(id: factorID, userID: user.id), factor.confirmed,
           let challenge = try await app.repositories.challenges.latest(factorID: factor.id) {
            confirmed = challenge.inboundConfirmedAt != nil && challenge.consumedAt == nil
        }
        return .json(["confirmed": confirmed])
    }

    private func answerChallenge(context: AppRequestContext) async throws -> Response {
        let (session, user) = try web.requireSecondFactor(context)
        let factorID = context.form.text("factor_id")
        let code = context.form.text("code")
        let pattern = context.form.text("pattern")
        let inbound = context.form["inbound"] == "1"
        let assertion = context.form["assertion"] ?? ""
        var fields = ["code": code, "pattern": pattern]
        if !assertion.isEmpty {
            // A security key's answer: the challenge this session was given, used once.
            guard let taken = try await app.webAuthn.takeChallenge(id: context.form.text("challenge_id"), purpose: .authentication,
                                                                   binding: session.binding), taken.userID == user.id else {
                return try await challengePage(wanted: factorID, context: context, error: "That request expired. Try again.")
            }
            fields = ["assertion": assertion, "expected_challenge": Base64URL.encode(taken.challenge)]
        } else {
            guard inbound || (!(code.isEmpty && pattern.isEmpty) && code.count <= 64 && pattern.count <= 200) else {
                return try await challengePage(wanted: factorID, context: context, error: "Enter the code.")
            }
            if inbound { fields["inbound"] = "1" }
        }
        switch try await app.signIn.verifyFactor(userID: user.id, factorID: factorID, response: FactorResponse(fields: fields), ip: context.clientIP) {
        case .accepted(let factor):
            let amr = app.methods[factor.type].map { [$0.amr] } ?? []
            return try await web.completeSignIn(session, user: user, addingAMR: amr, ip: context.clientIP, then: "/portal")
        case .rejected:
            return try await challengePage(wanted: factorID, context: context, error: "That didn't work. Check it and try again.")
        case .locked:
            try await app.sessions.end(session.token)
            var response = Response.seeOther(try await web.loginPath(organizationID: user.organizationID) + "?notice=locked")
            response.setCookie(web.cookies.clearSession())
            return response
        }
    }

    private func methodsPage(context: AppRequestContext) async throws -> Response {
        let (_, user) = try web.requireSecondFactor(context)
        let factors = try await app.signIn.confirmedFactors(userID: user.id)
        guard !factors.isEmpty else { return .seeOther("/login/enroll") }
        return web.pages.render("methods", ["title": "Choose a method", "factors": factors.map { $0.view(methods: app.methods) }],
                                context: context)
    }

    // MARK: Enrollment during sign-in

    private func enrollPage(context: AppRequestContext) async throws -> Response {
        let (_, user) = try web.requireSecondFactor(context)
        guard case .enroll(let required) = try await app.signIn.nextStep(for: user) else { return .seeOther("/login/challenge") }
        return web.pages.render("enroll", ["title": "Set up two-step verification", "required": required], context: context)
    }

    private func skipEnrollment(dismiss: Bool, context: AppRequestContext) async throws -> Response {
        let (session, user) = try web.requireSecondFactor(context)
        guard case .enroll(required: false) = try await app.signIn.nextStep(for: user) else {
            throw PageError.page(.forbidden, title: "Not allowed", message: "Your organization requires two-step verification.")
        }
        if dismiss { try await app.repositories.users.setMFAPromptDismissed(userID: user.id) }
        return try await web.completeSignIn(session, user: user, addingAMR: [], ip: context.clientIP, then: "/portal")
    }

    // MARK: Sign-out

    private func logout(context: AppRequestContext) async throws -> Response {
        var location = "/login"
        if let session = context.session {
            try await app.sessions.end(session.token)
            location = try await web.loginPath(organizationID: session.organizationID)
            try await app.audit.record(.signedOut, organizationID: session.organizationID, userID: session.userID, ip: context.clientIP)
        }
        var response = Response.seeOther(location + "?notice=signed_out")
        response.setCookie(web.cookies.clearSession())
        return response
    }
}
