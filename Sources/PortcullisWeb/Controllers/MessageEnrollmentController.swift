import Foundation
import Hummingbird
import PortcullisCore

/// Enrolling a phone number (SMS) or an external email address: the destination, then a code sent to it.
/// `/enroll/sms` and `/enroll/email` share this controller; the differences are the destination field and its checks.
struct MessageEnrollmentController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AppRequestContext>) {
        for type in [FactorType.sms, .email] {
            router.get("/enroll/\(type.rawValue)") { _, context in try await startPage(type, context: context) }
            router.post("/enroll/\(type.rawValue)") { _, context in try await submitDestination(type, context: context) }
            router.post("/enroll/\(type.rawValue)/confirm") { _, context in try await confirm(type, context: context) }
            router.post("/enroll/\(type.rawValue)/resend") { _, context in try await resend(type, context: context) }
        }
    }

    private func method(_ type: FactorType) -> any MessageCodeFactor {
        type == .sms ? SMSFactor() : EmailFactor()
    }

    private func startPage(_ type: FactorType, context: AppRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let (session, _) = try await web.requireEnrollingUser(context, next: "/enroll/\(type.rawValue)")
        var data: [String: Any] = [
            "title": type == .sms ? "Add a phone for text messages" : "Add an email address for codes",
            "isSMS": type == .sms, "type": type.rawValue,
            "countries": PhoneNumber.countries.map { ["code": $0.code, "name": $0.name, "callingCode": $0.callingCode,
                                                      "selected": $0.code == context.form.text("country").uppercased()] },
            "number": context.form.text("number"), "email": context.form.text("email"),
            "label": context.form.text("label"),
            "cancel": session.stage == .signedIn ? "/settings" : "/login/enroll",
        ]
        data["error"] = error
        return web.pages.render("enroll-destination", data, context: context, status: status)
    }

    private func submitDestination(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, next: "/enroll/\(type.rawValue)")
        let organization = try await web.organization(of: user)
        let destination: String
        let label: String
        if type == .sms {
            guard let phone = PhoneNumber.parse(country: context.form.text("country"), number: context.form.text("number")) else {
                return try await startPage(type, context: context, error: "That is not a valid phone number. Choose the country and enter the number.", status: .unprocessableContent)
            }
            destination = phone.e164
            label = phone.masked
        } else {
            switch EmailFactor.validate(context.form.text("email"), blockedDomains: organization.settings.blockedEmailDomains) {
            case .success(let address): destination = address
            case .failure(.invalid):
                return try await startPage(type, context: context, error: "That is not a valid email address.", status: .unprocessableContent)
            case .failure(.blockedDomain(let domain)):
                return try await startPage(type, context: context, error: "Use a personal address: your organization does not allow codes to \(domain) addresses.", status: .unprocessableContent)
            }
            label = destination
        }
        let factor = try await method(type).beginEnrollment(userID: user.id, destination: destination,
                                                             label: FactorManagement.cleanLabel(context.form.text("label")) ?? label,
                                                             context: app.factorContext)
        let outcome = try await app.messageCodes.send(factor: factor, user: user, organization: organization, purpose: .enrollment, ip: context.clientIP)
        switch outcome {
        case .sent:
            return confirmPage(type, factor: factor, session: session, notice: "We sent a code to \(label).", error: nil, context: context)
        case .coolingDown(let seconds):
            return confirmPage(type, factor: factor, session: session, notice: nil, error: "Wait \(seconds) seconds before asking for another code.", context: context)
        case .limited(let message), .failed(let message):
            try await app.repositories.factors.delete(id: factor.id, userID: user.id)
            return try await startPage(type, context: context, error: message, status: .serviceUnavailable)
        }
    }

    private func confirmPage(_ type: FactorType, factor: Factor, session: Session, notice: String?, error: String?, context: AppRequestContext,
                             status: HTTPResponse.Status = .ok) -> Response {
        var data: [String: Any] = [
            "title": "Enter the code", "type": type.rawValue, "factorID": factor.id, "destination": factor.label,
            "isSMS": type == .sms, "cancel": session.stage == .signedIn ? "/settings" : "/login/enroll",
        ]
        data["notice"] = notice
        data["error"] = error
        return web.pages.render("enroll-code", data, context: context, status: status)
    }

    private func pendingFactor(_ type: FactorType, user: User, context: AppRequestContext) async throws -> Factor {
        guard let factor = try await app.repositories.factors.find(id: context.form.text("factor_id"), userID: user.id),
              factor.type == type, !factor.confirmed else { throw PageError.redirect("/enroll/\(type.rawValue)") }
        return factor
    }

    private func confirm(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, next: "/enroll/\(type.rawValue)")
        let factor = try await pendingFactor(type, user: user, context: context)
        let outcome = try await app.factors.confirm(userID: user.id, factorID: factor.id, response: FactorResponse(code: context.form.text("code")),
                                                    label: nil, ip: context.clientIP)
        switch outcome {
        case .notFound:
            return .seeOther("/enroll/\(type.rawValue)")
        case .badCode:
            return confirmPage(type, factor: factor, session: session, notice: nil,
                               error: "That code didn't match. Check it, or ask for a new one.", context: context, status: .unprocessableContent)
        case .confirmed(let confirmed, let codes):
            return try await web.finishEnrollment(session: session, user: user, factor: confirmed, backupCodes: codes, context: context)
        }
    }

    private func resend(_ type: FactorType, context: AppRequestContext) async throws -> Response {
        let (session, user) = try await web.requireEnrollingUser(context, next: "/enroll/\(type.rawValue)")
        let factor = try await pendingFactor(type, user: user, context: context)
        let outcome = try await app.messageCodes.send(factor: factor, user: user, organization: try await web.organization(of: user),
                                                      purpose: .enrollment, ip: context.clientIP)
        switch outcome {
        case .sent: return confirmPage(type, factor: factor, session: session, notice: "We sent a new code to \(factor.label).", error: nil, context: context)
        case .coolingDown(let seconds):
            return confirmPage(type, factor: factor, session: session, notice: nil, error: "Wait \(seconds) seconds before asking for another code.", context: context)
        case .limited(let message), .failed(let message):
            return confirmPage(type, factor: factor, session: session, notice: nil, error: message, context: context, status: .serviceUnavailable)
        }
    }
}
