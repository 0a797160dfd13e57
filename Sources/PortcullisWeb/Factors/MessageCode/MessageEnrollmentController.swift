import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// Enrolling a phone number (SMS) or an external email address: the destination, then a code sent to it.
/// The SMS and email presenters each register one (`/enroll/sms`, `/enroll/email`); the differences are the
/// destination field and its checks. Every form answers with a redirect (Post/Redirect/Get); what it has to say
/// travels in the session's flash.
struct MessageEnrollmentController {
    let web: WebContext
    let presenter: any MessageCodePresenter
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AppRequestContext>) {
        do {
            let type = presenter.type
            router.get("/enroll/\(type.rawValue)") { _, context in try await startPage(type, context: context) }
            router.post("/enroll/\(type.rawValue)") { _, context in try await submitDestination(type, context: context) }
            router.get("/enroll/\(type.rawValue)/confirm") { request, context in
                try await confirmPage(type, factorID: request.uri.queryParameters.get("factor").map { String($0) } ?? "", context: context)
            }
            router.post("/enroll/\(type.rawValue)/confirm") { _, context in try await confirm(type, context: context) }
            router.post("/enroll/\(type.rawValue)/resend") { _, context in try await resend(type, context: context) }
        }
    }

    /// The domain's method for the type; a type this installation does not register has no enrollment pages.
    private func method(_ type: FactorType) throws -> any MessageCodeFactor {
        guard let method = app.methods[type] as? any MessageCodeFactor else { throw PageError.notFound }
        return method
    }

    private func startPage(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (session, _) = try await web.requireEnrollingUser(context, type: type, next: "/enroll/\(type.rawValue)")
        // What was entered before a refusal (the flash's), to fill in again.
        let entered = context.flash?.values ?? [:]
        let country = entered["country"]?.uppercased() ?? ""
        let page = EnrollDestinationPage(
            title: type == .sms ? "Add a phone for text messages" : "Add an email address for codes",
            type: type.rawValue, isSMS: type == .sms,
            countries: PhoneNumber.countries.map {
                CountryOptionView(code: $0.code, name: $0.name, callingCode: $0.callingCode, selected: $0.code == country)
            },
            number: entered["number"] ?? "", email: entered["email"] ?? "", label: entered["label"] ?? "",
            cancel: session.stage == .signedIn ? "/settings" : "/login/enroll")
        return web.pages.render(page, context: context)
    }

    /// Back to the destination form with an error and what was entered.
    private func refuse(_ type: FactorType, _ error: Notice, context: AppRequestContext) async throws -> Response {
        let values = ["country", "number", "email", "label"].reduce(into: [String: String]()) { $0[$1] = context.form.text($1) }
        return try await web.redirect("/enroll/\(type.rawValue)", flash: Flash(error, values: values), context: context)
    }

    private func confirmPath(_ type: FactorType, _ factor: Factor) -> String { "/enroll/\(type.rawValue)/confirm?factor=\(factor.id)" }

    private func submitDestination(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (_, user) = try await web.requireEnrollingUser(context, type: type, next: "/enroll/\(type.rawValue)")
        let organization = try await web.organization(of: user)
        let destination: String
        let label: String
        if type == .sms {
            guard let phone = PhoneNumber.parse(country: context.form.text("country"), number: context.form.text("number")) else {
                return try await refuse(type, .invalidPhoneNumber, context: context)
            }
            destination = phone.e164
            label = phone.masked
        } else {
            switch EmailFactor.validate(context.form.text("email"), blockedDomains: organization.policy.blockedEmailDomains) {
            case .success(let address): destination = address
            case .failure(let problem):
                return try await refuse(type, .problem(problem), context: context)
            }
            label = destination
        }
        let factor = try await method(type).beginEnrollment(userID: user.id, destination: destination,
                                                             label: FactorManagement.cleanLabel(context.form.text("label")) ?? label,
                                                             context: app.factorContext)
        switch try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .enrollment, ip: context.clientIP) {
        case .sent:
            return try await web.redirect(confirmPath(type, factor), flash: Flash(.codeSent(to: label)), context: context)
        case .coolingDown(let seconds):
            return try await web.redirect(confirmPath(type, factor), flash: Flash(.waitBeforeResending(seconds: seconds)), context: context)
        case .refused(let problem):
            try await app.factors.cancelEnrollment(factor)
            return try await refuse(type, .codeNotSent(problem, offerOtherMethods: false), context: context)
        }
    }

    private func pendingFactor(_ type: FactorType, id: String, user: User) async throws -> Factor {
        guard let factor = try await app.factors.pendingEnrollment(id: id, userID: user.id, type: type) else {
            throw PageError.redirect("/enroll/\(type.rawValue)")
        }
        return factor
    }

    private func confirmPage(_ type: FactorType, factorID: String, context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, type: type, next: "/enroll/\(type.rawValue)")
        let factor = try await pendingFactor(type, id: factorID, user: user)
        return web.pages.render(EnrollCodePage(type: type.rawValue, isSMS: type == .sms, factorID: factor.id, destination: factor.label,
                                               cancel: session.stage == .signedIn ? "/settings" : "/login/enroll"), context: context)
    }

    private func confirm(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, type: type, next: "/enroll/\(type.rawValue)")
        let factor = try await pendingFactor(type, id: context.form.text("factor_id"), user: user)
        let outcome = try await app.factors.confirm(userID: user.id, factorID: factor.id, response: FactorResponse.code(context.form.text("code")),
                                                    label: nil, ip: context.clientIP)
        switch outcome {
        case .notFound:
            return .seeOther("/enroll/\(type.rawValue)")
        case .badCode:
            return try await web.redirect(confirmPath(type, factor), flash: Flash(.enrollmentCodeMismatch),
                                          context: context)
        case .confirmed(let confirmed, let codes):
            return try await web.finishEnrollment(session: session, user: user, factor: confirmed, backupCodes: codes, context: context)
        }
    }

    private func resend(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (_, user) = try await web.requireEnrollingUser(context, type: type, next: "/enroll/\(type.rawValue)")
        let factor = try await pendingFactor(type, id: context.form.text("factor_id"), user: user)
        let flash: Flash
        switch try await app.messageCodes.send(factor: factor, user: user, organization: try await web.organization(of: user),
                                               purpose: .enrollment, ip: context.clientIP) {
        case .sent: flash = Flash(.newCodeSent(to: factor.label))
        case .coolingDown(let seconds): flash = Flash(.waitBeforeResending(seconds: seconds))
        case .refused(let problem): flash = Flash(.codeNotSent(problem, offerOtherMethods: false))
        }
        return try await web.redirect(confirmPath(type, factor), flash: flash, context: context)
    }
}
