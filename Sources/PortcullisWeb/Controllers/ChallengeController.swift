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
        router.post(RouterPath(mode.path)) { request, context in try await answerChallenge(request: request, context: context) }
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
        guard let presenter = web.presenters[factor.type] else { return .seeOther(mode == .signIn ? "/login/enroll" : "/settings") }
        let days = mode == .signIn ? try await app.rememberedDevices.days(organizationID: user.organizationID) : 0
        let page = ChallengePage(typeName: app.methods[factor.type]?.displayName ?? factor.type.rawValue,
                                 action: mode.path, methodsPath: mode.methodsPath, stepUp: mode == .stepUp,
                                 next: WebContext.returnPath(next ?? context.flash?.next), factorID: factor.id,
                                 part: try await presenter.challenge(for: factor, user: user, web: web),
                                 remember: days > 0 ? RememberDeviceView(days: days) : nil)
        return web.pages.render(page, context: context)
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
              let method = app.methods[factor.type] as? any MessageCodeFactor else { return .seeOther(mode.path) }
        let organization = try await web.organization(of: user)
        let inbound = method.acceptsInboundReplies && organization.policy.inboundSMSActive
        switch try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: context.clientIP, inbound: inbound) {
        case .sent:
            return try await back(to: factorID, Flash(.codeSent(to: web.presenters.maskedLabel(factor))), context: context)
        case .coolingDown(let seconds):
            return try await back(to: factorID, Flash(.waitBeforeResending(seconds: seconds)), context: context)
        case .refused(let problem):
            return try await back(to: factorID, Flash(.codeNotSent(problem, offerOtherMethods: true)), context: context)
        }
    }

    /// Polled by the challenge page while it shows an inbound SMS code: has the text arrived?
    private func inboundStatus(request: Request, context: Context) async throws -> Response {
        let user = context.user
        let factorID = request.uri.queryParameters.get("factor").map { String($0) } ?? ""
        return .json(InboundStatusJSON(confirmed: try await app.messageCodes.inboundConfirmed(factorID: factorID, userID: user.id)))
    }

    /// The answer to a challenge. At sign-in, "Remember this device" (`remember`) ticked on an accepted answer
    /// remembers the browser (its name from the User-Agent) and sets its cookie.
    private func answerChallenge(request: Request, context: Context) async throws -> Response {
        let (session, user) = (context.session, context.user)
        let factorID = context.form.text("factor_id")
        // The factor's presenter reads its answer (a code, a pattern, a security key's assertion for the challenge this
        // session was given). An unknown factor still goes to the flow, which refuses and counts it.
        let factor = try await app.factors.list(userID: user.id).first { $0.id == factorID && $0.confirmed }
        let response: FactorResponse
        if let factor, let presenter = web.presenters[factor.type] {
            guard let read = try await presenter.response(from: context.form, session: session, user: user, web: web) else {
                return try await back(to: factorID, Flash(presenter.missingAnswer), context: context)
            }
            response = read
        } else {
            response = .code(context.form.text("code"))
        }
        if mode == .stepUp {
            switch try await app.flow.stepUp(session: session, factorID: factorID, response: response, ip: context.clientIP) {
            case .verified: return .seeOther(WebContext.returnPath(context.form["next"]))
            case .rejected: return try await back(to: factorID, Flash(.answerRejected), context: context)
            case .locked: return try await web.backToLogin(organizationID: user.organizationID, notice: web.locked)
            }
        }
        switch try await app.flow.answer(session: session, factorID: factorID, response: response, ip: context.clientIP) {
        case .signedIn(let signedIn, _):
            // A user whose only kind of method the organization turned off is asked to add another straight away.
            let methods = FactorMethods.forPolicy(try await web.policy(for: user))
            let replace = methods.needsReplacement(try await app.factors.list(userID: signedIn.userID))
            let response = web.redirect(web.landing(signedIn, replace ? Notice.replaceFactor.location("/settings") : "/portal"), session: signedIn)
            guard context.form["remember"] == "1" else { return response }
            return web.applying(try await app.flow.rememberDevice(signedIn, userAgent: request.headers[.userAgent], ip: context.clientIP),
                                to: response)
        case .rejected:
            return try await back(to: factorID, Flash(.answerRejected), context: context)
        case .locked:
            return try await web.backToLogin(organizationID: user.organizationID, notice: web.locked)
        }
    }

    private func methodsPage(context: Context) async throws -> Response {
        let user = context.user
        let factors = try await app.signIn.confirmedFactors(userID: user.id)
        guard !factors.isEmpty else { return .seeOther(mode == .signIn ? "/login/enroll" : "/settings") }
        return web.pages.render(MethodsPage(factors: factors.map { MethodChoiceView($0, methods: app.methods, presenters: web.presenters) }, action: mode.path),
                                context: context)
    }
}
