import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// The organization policy page (SPEC §4.1): one form, each setting explained; saved through
/// `AccountAdministration.setPolicy`, which checks it and audits the names of the settings that changed.
struct AdminPolicyController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/policy") { _, context in
            try await page(policy: context.organization.policy, context: context)
        }
        router.post("/admin/policy") { _, context in try await save(context: context) }
    }

    private func page(policy: OrganizationPolicy, notice: Notice? = nil, context: AdminContext,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        let page = AdminPolicyPage(nav: try await AdminArea.nav(.policy, context: context, app: app), policy: policy,
                                   methods: .standard, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    private func save(context: AdminContext) async throws -> Response {
        let policy = Self.policy(from: context.form, over: context.organization.policy)
        do {
            try await app.administration.setPolicy(context.organization, policy, actor: context.scope.actor)
        } catch let error as OrganizationPolicy.PolicyError {
            return try await page(policy: policy, notice: .problem(error), context: context, status: .unprocessableContent)
        }
        return try await web.redirect("/admin/policy", flash: Flash(.admin(.policySaved)), context: context)
    }

    /// The policy the form describes; a number that is not one keeps an impossible value, so that checking refuses it.
    static func policy(from form: FormData, over current: OrganizationPolicy) -> OrganizationPolicy {
        var policy = current
        let types = FactorMethods.standard.types
        policy.allowedFactorTypes = types.filter { form["allow_\($0.rawValue)"] == "1" || $0 == .backupCodes }
        policy.backupOnlyFactorTypes = types.filter { form["default_\($0.rawValue)"] != "1" }
        policy.mfaRequiredForEveryone = form["mfa_everyone"] == "1"
        for key in OrganizationPolicy.ranges.keys {
            _ = policy.set(key, to: Int(form.text(key)) ?? -1)
        }
        policy.totp.algorithm = OTPAlgorithm(rawValue: form.text("totp_algorithm")) ?? policy.totp.algorithm
        policy.webAuthnRequireUserVerification = form["require_uv"] == "1"
        policy.passkeysAllowed = form["passkeys"] == "1"
        policy.blockedEmailDomains = form.text("blocked_domains").split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " })
            .map { $0.lowercased() }.filter { !$0.isEmpty }
        let number = form.text("inbound_number")
        policy.inboundSMSNumber = number.isEmpty ? nil : (PhoneNumber.parse(country: "", number: number)?.e164 ?? number)
        policy.inboundSMSEnabled = form["inbound_enabled"] == "1" && policy.inboundSMSNumber != nil
        policy.timeZone = form.text("time_zone").isEmpty ? current.timeZone : form.text("time_zone")
        policy.recovery.passwordReset = form["recovery_reset"] == "1"
        policy.recovery.unlock = form["recovery_unlock"] == "1"
        policy.challengeQuestions.enabled = form["questions_enabled"] == "1"
        policy.challengeQuestions.allowCustom = form["questions_custom"] == "1"
        if let questions = form["questions"] {
            policy.challengeQuestions.questions = questions.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return policy
    }
}
