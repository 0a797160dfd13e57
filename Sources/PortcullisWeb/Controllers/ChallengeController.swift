import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// The challenge pages for one of the user's factors, in two places: during sign-in (`/login/challenge`, a session
/// owing its second factor) and at a step-up before a security change (`/settings/verify`, a signed-in session whose
/// last second factor is too old). The pages, the "Send a new code" form, the inbound SMS poll and "Use another
/// method" are the same; what an accepted answer leads to differs. The route group's context (`SecondFactorContext`
/// or `SignedInContext`) has already checked the session's stage.
struct ChallengeController<Context: SessionPageContext> {
    let web: WebContext
    let mode: Mode
    var app: Portcullis { web.app }

    enum Mode {
        case signIn
        case stepUp

        var path: String { self == .signIn ? "/login/challenge" : "/settings/verify" }
        var methodsPath: String { self == .signIn ? "/login/methods" : "/settings/verify/methods" }
    }

    func register(on router: some RouterMethods<Context>) {
        router.get(RouterPath(mode.path)) { request, context in
            try await challengePage(wanted: request.uri.queryParameters.get("factor").map { String($0) },
                                    next: request.uri.queryParameters.get("next").map { String($0) }, context: context)
        }
        router.post(RouterPath(mode.path)) { _, context in try await answerChallenge(context: context) }
        router.post(RouterPath(mode.path + "/send")) { _, context in try await sendCode(context: context) }
        router.get(RouterPath(mode.path + "/status")) { request, context in try await inboundStatus(request: request, context: context) }
        router.get(RouterPath(mode.methodsPath)) { _, context in try await methodsPage(context: context) }
    }

    /// The challenge for one of the user's factors (the default unless another is chosen). Showing it changes
    /// nothing: an SMS or email code is sent only by the explicit "Send code" form. What a form before it said
    /// (a wrong code, a code sent) arrives as the session's flash.
    private func challengePage(wanted: String?, next: String? = nil, context: Context) async throws -> Response {
        let user = context.user
        let factors = try await app.signIn.confirmedFactors(userID: user.id)
        guard let factor = factors.first(where: { $0.id == wanted }) ?? app.signIn.defaultFactor(among: factors) else {
            return .seeOther(mode == .signIn ? "/login/enroll" : "/settings")
        }
        var data = factor.view(methods: app.methods)
        data["label"] = factor.maskedLabel
        data["title"] = "Verify it's you"
        data["action"] = mode.path
        data["methodsPath"] = mode.methodsPath
        data["stepUp"] = mode == .stepUp
        data["next"] = WebContext.returnPath(next ?? context.flash?.next)
        data["factorID"] = factor.id
        data["hasOtherMethods"] = factors.count > 1
        data["inputMode"] = "numeric"
        data["pattern"] = true
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
            var live = try await app.messageCodes.latest(factorID: factor.id)
            if live.map({ $0.consumedAt != nil || $0.expiresAt <= app.clock.now }) ?? true { live = nil }
            data["canSend"] = true
            data["hasCode"] = live != nil
            data["prompt"] = live != nil ? "Enter the code we sent by \(channel) to \(factor.maskedLabel)."
                                         : "Choose Send code to get a code by \(channel) at \(factor.maskedLabel), then enter it here."
            let inbound = factor.type == .sms && organization.settings.inboundSMSActive
            if inbound, let code = live?.inboundCode, let number = organization.settings.inboundSMSNumber {
                data["inbound"] = ["code": code, "number": number]
            }
        default:
            data["prompt"] = "Enter the 6-digit code from your authenticator app (\(factor.label))."
        }
        return web.pages.render("challenge", data, context: context)
    }

    /// Back to this factor's challenge page with `flash` (Post/Redirect/Get).
    private func back(to factorID: String, _ flash: Flash, context: Context) async throws -> Response {
        var flash = flash
        flash.next = WebContext.returnPath(context.form["next"])
        return try await web.redirect(mode.path + "?factor=" + (factorID.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-"])) ?? ""),
                                      flash: flash, context: context)
    }

    /// "Send code" (and "Send a new code"): the explicit request that sends an SMS or email code.
    private func sendCode(context: Context) async throws -> Response {
        let user = context.user
        let factorID = context.form.text("factor_id")
        guard let factor = try await app.signIn.confirmedFactors(userID: user.id).first(where: { $0.id == factorID }),
              factor.type == .sms || factor.type == .email else { return .seeOther(mode.path) }
        let organization = try await web.organization(of: user)
        let inbound = factor.type == .sms && organization.settings.inboundSMSActive
        switch try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: context.clientIP, inbound: inbound) {
        case .sent:
            return try await back(to: factorID, Flash(notice: "We sent a code to \(factor.maskedLabel)."), context: context)
        case .coolingDown(let seconds):
            return try await back(to: factorID, Flash(error: "Wait \(seconds) seconds before asking for another code."), context: context)
        case .limited(let message), .failed(let message):
            return try await back(to: factorID, Flash(error: message + " You can also use another method."), context: context)
        }
    }

    /// Polled by the challenge page while it shows an inbound SMS code: has the text arrived?
    private func inboundStatus(request: Request, context: Context) async throws -> Response {
        let user = context.user
        let factorID = request.uri.queryParameters.get("factor").map { String($0) } ?? ""
        return .json(["confirmed": try await app.messageCodes.inboundConfirmed(factorID: factorID, userID: user.id)])
    }

    private func answerChallenge(context: Context) async throws -> Response {
        let (session, user) = (context.session, context.user)
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
                return try await back(to: factorID, Flash(error: "That request expired. Try again."), context: context)
            }
            fields = ["assertion": assertion, "expected_challenge": Base64URL.encode(taken.challenge)]
        } else {
            guard inbound || (!(code.isEmpty && pattern.isEmpty) && code.count <= 64 && pattern.count <= 200) else {
                return try await back(to: factorID, Flash(error: "Enter the code."), context: context)
            }
            if inbound { fields["inbound"] = "1" }
        }
        if mode == .stepUp {
            switch try await app.flow.stepUp(session: session, factorID: factorID, response: FactorResponse(fields: fields), ip: context.clientIP) {
            case .verified: return .seeOther(WebContext.returnPath(context.form["next"]))
            case .rejected: return try await back(to: factorID, Flash(error: "That didn't work. Check it and try again."), context: context)
            case .locked: return try await web.backToLogin(organizationID: user.organizationID, notice: "locked")
            }
        }
        switch try await app.flow.answer(session: session, factorID: factorID, response: FactorResponse(fields: fields), ip: context.clientIP) {
        case .signedIn(let signedIn, _):
            return web.redirect("/portal", session: signedIn)
        case .rejected:
            return try await back(to: factorID, Flash(error: "That didn't work. Check it and try again."), context: context)
        case .locked:
            return try await web.backToLogin(organizationID: user.organizationID, notice: "locked")
        }
    }

    private func methodsPage(context: Context) async throws -> Response {
        let user = context.user
        let factors = try await app.signIn.confirmedFactors(userID: user.id)
        guard !factors.isEmpty else { return .seeOther(mode == .signIn ? "/login/enroll" : "/settings") }
        return web.pages.render("methods", ["title": "Choose a method", "factors": factors.map { factor in
            var view = factor.view(methods: app.methods)
            view["label"] = factor.maskedLabel
            return view
        },
                                            "action": mode.path], context: context)
    }
}
