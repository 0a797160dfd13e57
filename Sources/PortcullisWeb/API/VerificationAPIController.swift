import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The verification API (SPEC §7) at `/validate`: `POST /validate/check` and `POST /validate/triggerchallenge`, a
/// front over `VerificationFlow` that only translates parameters in and outcomes out.
struct VerificationAPIController {
    let app: Portcullis
    /// The factor types' web plugins, for the prompt each type's challenge shows.
    let presenters: FactorPresenters

    func register(on group: RouterGroup<APIRequestContext>) {
        group.add(middleware: APIKeyMiddleware(keys: app.apiKeys))
        group.post("check") { _, context in try await check(context: context) }
        group.post("triggerchallenge") { _, context in try await triggerChallenge(context: context) }
    }

    /// The key's organization (read with the key), which `realm` (its slug) must name when given.
    private func organization(_ context: APIRequestContext) async throws -> Organization? {
        guard let key = context.apiKey, let organization = context.organization, organization.id == key.organizationID else { return nil }
        let realm = context.parameters["realm"]?.trimmingCharacters(in: .whitespaces) ?? ""
        return realm.isEmpty || realm == organization.slug ? organization : nil
    }

    private func check(context: APIRequestContext) async throws -> Response {
        let user = context.parameters["user"] ?? ""
        guard !user.isEmpty, let pass = context.parameters["pass"] else {
            return VerificationResponse.error(code: 905, message: "Missing parameter: user and pass are required.", status: .badRequest)
        }
        guard let key = context.apiKey, let organization = try await organization(context) else {
            return VerificationResponse.error(code: 904, message: "The realm does not belong to this API key.", status: .badRequest)
        }
        guard user.count <= 256, pass.count <= 1024 else { return VerificationResponse.reject() }
        let transactionID = context.parameters["transaction_id"] ?? context.parameters["state"]
        let outcome = try await app.verification.check(organization: organization, username: user, pass: pass, transactionID: transactionID,
                                                       key: key, ip: context.clientIP)
        return try await respond(outcome, answeredTransaction: !(transactionID ?? "").isEmpty)
    }

    private func triggerChallenge(context: APIRequestContext) async throws -> Response {
        let user = context.parameters["user"] ?? ""
        guard !user.isEmpty else {
            return VerificationResponse.error(code: 905, message: "Missing parameter: user is required.", status: .badRequest)
        }
        guard let key = context.apiKey, let organization = try await organization(context) else {
            return VerificationResponse.error(code: 904, message: "The realm does not belong to this API key.", status: .badRequest)
        }
        let outcome = try await app.verification.triggerChallenge(organization: organization, username: user, key: key, ip: context.clientIP)
        if case .challenge(let transaction, let factor, let sent) = outcome {
            return VerificationResponse.challenge(transaction, factor: factor, message: message(factor, sent: sent), value: 1)
        }
        return try await respond(outcome)
    }

    private func respond(_ outcome: VerificationFlow.Outcome, answeredTransaction: Bool = false) async throws -> Response {
        switch outcome {
        case .accept(_, let factor):
            // The answer to a transaction does not name the code's length, so the token is not read for it.
            let otpLength = answeredTransaction ? nil : try await app.verification.codeLength(of: factor)
            return VerificationResponse.accept(factor: factor, otpLength: otpLength, answeredTransaction: answeredTransaction)
        case .reject(let factor):
            return VerificationResponse.reject(factor: factor)
        case .throttled:
            var response = VerificationResponse.error(code: 429, message: "Too many failed attempts from this address. Try again later.",
                                                      status: .tooManyRequests)
            response.headers[.retryAfter] = String(Int(app.configuration.policy.ipWindow))
            return response
        case .challenge(let transaction, let factor, let sent):
            return VerificationResponse.challenge(transaction, factor: factor, message: message(factor, sent: sent))
        }
    }

    /// What the client shows the user at the challenge, in the factor type's words.
    private func message(_ factor: Factor, sent: Bool) -> String {
        presenters[factor.type]?.apiPrompt(for: factor, sent: sent) ?? "Enter the code."
    }
}
