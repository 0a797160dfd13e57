import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// "Forgot password" and "Unlock account" (SPEC §5), linked from every sign-in page: the pages translate forms into
/// `AccountRecovery`'s steps. The browser holds the recovery's token in a cookie. Until a method is proven, every
/// answer is the same whether or not the name is an account; codes are sent in the background, so that the time
/// taken does not tell either.
struct RecoveryController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/recover") { request, context in try await startPage(request: request, context: context) }
        router.post("/recover") { request, context in try await start(request: request, context: context) }
        router.get("/recover/verify") { request, context in try await verifyPage(request: request, context: context) }
        router.post("/recover/send") { request, context in try await send(request: request, context: context) }
        router.post("/recover/verify") { request, context in try await verify(request: request, context: context) }
        router.post("/recover/webauthn/options") { request, context in try await securityKeyOptions(request: request, context: context) }
        router.get("/recover/pattern") { request, context in try await patternPage(request: request, context: context) }
        router.get("/recover/questions") { request, context in try await questionsPage(request: request, context: context) }
        router.post("/recover/questions") { request, context in try await answerQuestions(request: request, context: context) }
        router.get("/recover/finish") { request, context in try await finishPage(request: request, context: context) }
        router.post("/recover/finish") { request, context in try await finish(request: request, context: context) }
    }

    // MARK: Start

    private func startPage(request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let purpose = RecoveryPurpose(rawValue: query.get("purpose").map { String($0) } ?? "") ?? .reset
        let slug = query.get("org").map { String($0) } ?? Organization.defaultSlug
        guard let organization = try await app.directory.organization(slug: slug) else { throw PageError.notFound }
        var page = RecoveryPage(purpose: purpose, notice: notice(request))
        page.start = .init(action: "/recover?org=" + organization.slug, purpose: purpose.rawValue)
        page.loginPath = try await web.loginPath(organizationID: organization.id)
        return web.pages.render(page, context: context)
    }

    private func start(request: Request, context: AppRequestContext) async throws -> Response {
        let slug = request.uri.queryParameters.get("org").map { String($0) } ?? Organization.defaultSlug
        guard let organization = try await app.directory.organization(slug: slug) else { throw PageError.notFound }
        let purpose = RecoveryPurpose(rawValue: context.form.text("purpose")) ?? .reset
        let username = String(context.form.text("username").prefix(256))
        switch try await app.recovery.start(organization: organization, username: username, purpose: purpose, ip: context.clientIP) {
        case .started(let token):
            var response = Response.seeOther("/recover/verify")
            response.setCookie(web.cookies.recovery(token, maxAge: Int(AccountRecovery.lifetime)))
            return response
        case .throttled(let until):
            let minutes = max(1, Int((until.timeIntervalSince(app.clock.now) / 60).rounded(.up)))
            var page = RecoveryPage(purpose: purpose, notice: .throttled(minutes: minutes))
            page.start = .init(action: "/recover?org=" + organization.slug, purpose: purpose.rawValue)
            var response = web.pages.render(page, context: context, status: .tooManyRequests)
            response.headers[.retryAfter] = String(minutes * 60)
            return response
        case .turnedOff:
            throw PageError.page(.notFound, title: "Not available",
                                 message: "Your organization does not offer this. Please contact your administrator.")
        }
    }

    // MARK: Proving

    private func verifyPage(request: Request, context: AppRequestContext) async throws -> Response {
        let (_, progress) = try await current(request)
        if progress.ready { return .seeOther("/recover/finish") }
        if progress.questions != nil { return .seeOther("/recover/questions") }
        var page = RecoveryPage(purpose: progress.purpose, notice: notice(request))
        page.verify = RecoveryPage.verify(offered: try await app.recovery.offeredTypes(organizationID: progress.organizationID),
                                          presenters: web.presenters, proven: progress.proven, needed: progress.needed)
        page.loginPath = try await web.loginPath(organizationID: progress.organizationID)
        return web.pages.render(page, context: context)
    }

    private func send(request: Request, context: AppRequestContext) async throws -> Response {
        let (token, _) = try await current(request)
        let channel = MessageChannel(rawValue: context.form.text("channel")) ?? .sms
        let (recovery, ip) = (app.recovery, context.clientIP)
        // In the background: whether there was anything to send, and how long the provider took, must not show.
        Task { try? await recovery.sendCode(token: token, channel: channel, ip: ip) }
        return .seeOther("/recover/verify", notice: .codeSentIfAny(channel))
    }

    private func verify(request: Request, context: AppRequestContext) async throws -> Response {
        let (token, _) = try await current(request)
        let form = context.form
        guard let type = FactorType(rawValue: form.text("type")), let proof = web.presenters[type]?.placement.recovery else {
            return .seeOther("/recover/verify", notice: .recoveryRejected)
        }
        let response: FactorResponse
        if proof.pattern {
            response = .pattern(String(form.text("pattern").prefix(200)))
        } else if proof.securityKey {
            guard let target = try await app.recovery.securityKeyTarget(token: token), let assertion = form["assertion"], !assertion.isEmpty,
                  let taken = try await app.webAuthn.takeChallenge(id: form.text("challenge_id"), purpose: .authentication, binding: target.binding)
            else { return .seeOther("/recover/verify", notice: .recoveryRejected) }
            response = .assertion(WebAuthnAnswer(assertionJSON: assertion, challenge: taken.challenge))
        } else {
            response = .code(String(form.text("code").prefix(64)))
        }
        return try await next(after: try await app.recovery.prove(token: token, type: type, response: response, ip: context.clientIP),
                              retry: proof.pattern ? "/recover/pattern" : "/recover/verify")
    }

    private func securityKeyOptions(request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = request.cookies[web.cookies.recoveryName]?.value,
              let target = try await app.recovery.securityKeyTarget(token: token) else {
            return ProblemDocument.response(code: "session.ended", kind: .unauthenticated)
        }
        let options = try await app.webAuthn.recoveryOptions(userID: target.userID, decoy: target.decoy, organizationID: target.organizationID,
                                                             binding: target.binding)
        return .json(RequestOptionsJSON(options, rpID: app.webAuthn.relyingParty?.id))
    }

    private func patternPage(request: Request, context: AppRequestContext) async throws -> Response {
        let (_, progress) = try await current(request)
        var page = RecoveryPage(purpose: progress.purpose)
        let size = try await app.factorContext.forOrganization(id: progress.organizationID).policy.patternGridSize
        page.pattern = PatternGridView(size: size, field: "pattern", label: "Your grid pattern")
        page.loginPath = try await web.loginPath(organizationID: progress.organizationID)
        return web.pages.render(page, context: context)
    }

    private func questionsPage(request: Request, context: AppRequestContext) async throws -> Response {
        let (_, progress) = try await current(request)
        guard let questions = progress.questions else { return .seeOther("/recover/verify") }
        var page = RecoveryPage(purpose: progress.purpose, notice: notice(request))
        page.questions = questions.enumerated().map { RecoveryPage.Question(index: $0, text: $1) }
        return web.pages.render(page, context: context)
    }

    private func answerQuestions(request: Request, context: AppRequestContext) async throws -> Response {
        let (token, progress) = try await current(request)
        let answers = (0..<(progress.questions?.count ?? 0)).map { String(context.form.text("answer\($0)").prefix(200)) }
        return try await next(after: try await app.recovery.answerQuestions(token: token, answers: answers, ip: context.clientIP),
                              retry: "/recover/questions")
    }

    /// Where an answer leads: the next step, the same page with its notice, or the start again.
    private func next(after result: AccountRecovery.ProofResult, retry: String) async throws -> Response {
        switch result {
        case .accepted: return .seeOther("/recover/verify", notice: .anotherMethodNeeded)
        case .rejected: return .seeOther(retry, notice: .recoveryRejected)
        case .blocked: return restart(.recoveryBlocked)
        case .expired: return restart(.recoveryExpired)
        }
    }

    // MARK: Finish

    private func finishPage(request: Request, context: AppRequestContext, verdict: PasswordVerdict? = nil, notice: Notice? = nil,
                            status: HTTPResponse.Status = .ok) async throws -> Response {
        let (token, progress) = try await current(request)
        guard progress.ready, let user = try await app.recovery.provenAccount(token: token) else { return .seeOther("/recover/verify") }
        guard progress.purpose == .reset else {
            var page = RecoveryPage(purpose: .unlock, notice: notice)
            page.unlock = true
            return web.pages.render(page, context: context, status: status)
        }
        let organization = try await web.organization(of: user)
        let page = PasswordPage(required: "It's you. Choose your new password.", action: "/recover/finish",
                                policy: app.factorContext.policy.applying(organization).password,
                                mfaRequired: try await app.passwords.usesSecondFactor(user, organization: organization), verdict: verdict, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    private func finish(request: Request, context: AppRequestContext) async throws -> Response {
        let (token, progress) = try await current(request)
        let result: AccountRecovery.FinishResult
        if progress.purpose == .reset {
            let new = context.form["new"] ?? ""
            guard new == context.form["confirm"] ?? "" else {
                return try await finishPage(request: request, context: context, notice: .passwordsDiffer, status: .unprocessableContent)
            }
            result = try await app.recovery.resetPassword(token: token, new: new, ip: context.clientIP)
        } else {
            result = try await app.recovery.unlock(token: token, ip: context.clientIP)
        }
        switch result {
        case .done:
            var response = Response.seeOther(progress.purpose == .reset ? Notice.passwordReset.location(try await web.loginPath(organizationID: progress.organizationID))
                                                                       : Notice.accountUnlocked.location(try await web.loginPath(organizationID: progress.organizationID)))
            response.setCookie(web.cookies.clearRecovery())
            return response
        case .refused(let verdict): return try await finishPage(request: request, context: context, verdict: verdict, status: .unprocessableContent)
        case .needsAdministrator:
            var page = RecoveryPage(purpose: progress.purpose)
            page.needsAdministrator = true
            var response = web.pages.render(page, context: context, status: .forbidden)
            response.setCookie(web.cookies.clearRecovery())
            return response
        case .notReady: return .seeOther("/recover/verify")
        case .expired: return restart(.recoveryExpired)
        }
    }

    // MARK: Helpers

    /// The recovery this browser is in, or a redirect to start again.
    private func current(_ request: Request) async throws -> (String, AccountRecovery.Progress) {
        guard let token = request.cookies[web.cookies.recoveryName]?.value,
              let progress = try await app.recovery.progress(token: token) else {
            throw PageError.redirect(Notice.recoveryExpired.location("/recover"))
        }
        return (token, progress)
    }

    private func restart(_ notice: Notice) -> Response {
        var response = Response.seeOther("/recover", notice: notice)
        response.setCookie(web.cookies.clearRecovery())
        return response
    }

    private func notice(_ request: Request) -> Notice? {
        Notice.find(request.uri.queryParameters.get("notice").map { String($0) }, among: Notice.recoveryPages)
    }
}
