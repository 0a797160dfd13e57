import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// The organization's policy (SPEC §4.1): read, and changed through `AccountAdministration.setPolicy`, which checks it
/// (`OrganizationPolicy.validate()`: a value out of range answers 422 with the policy page's sentence) and audits the
/// names of the settings that changed. The document's numbers are the policy page's, with the same names in
/// `OrganizationPolicy.ranges`; a change is merged over the current policy, member by member.
extension AdminAPI {
    func getPolicy(_ input: Operations.GetPolicy.Input) async throws -> Operations.GetPolicy.Output {
        let caller = try caller
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let current = try await app.administration.organization(id: organization.id, scope: caller.scope)
        return .ok(.init(body: .json(Self.policySchema(current.policy))))
    }

    func updatePolicy(_ input: Operations.UpdatePolicy.Input) async throws -> Operations.UpdatePolicy.Output {
        let caller = try caller
        guard case .json(let change) = input.body else { throw AdminAPIProblem.badRequest() }
        guard change != Components.Schemas.PolicyChange() else { throw AdminAPIProblem.badParameter("body") }
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let current = try await app.administration.organization(id: organization.id, scope: caller.scope)
        try await app.administration.setPolicy(current, try Self.policy(change, over: current.policy), actor: caller.actor)
        let saved = try await app.administration.organization(id: organization.id, scope: caller.scope)
        return .ok(.init(body: .json(Self.policySchema(saved.policy))))
    }

    /// The factor types the policy page offers, in its order.
    static var policyTypes: [FactorType] { FactorMethods.standard.types }

    /// The policy as the document shows it.
    static func policySchema(_ policy: OrganizationPolicy) -> Components.Schemas.Policy {
        let numbers = policy.numbers
        func number(_ name: String) -> Int { numbers[name] ?? 0 }
        let names = { (types: [FactorType]) in types.compactMap { Components.Schemas.FactorTypeName(rawValue: $0.rawValue) } }
        return Components.Schemas.Policy(
            allowedFactorTypes: names(policy.allowedFactorTypes),
            defaultFactorTypes: names(policyTypes.filter { $0 != .backupCodes && !policy.backupOnlyFactorTypes.contains($0) }),
            recommendedFactorCount: policy.recommendedFactorCount, mfaRequiredForEveryone: policy.mfaRequiredForEveryone,
            lockout: .init(threshold: number("lockoutThreshold"), minutes: number("lockoutMinutes"), escalation: number("lockoutEscalation"),
                           maxMinutes: number("lockoutMaxMinutes"), failureCap: number("lockoutFailureCap")),
            messageCodes: .init(digits: number("codeDigits"), lifetimeMinutes: number("codeLifetimeMinutes"),
                                resendCooldownSeconds: number("resendCooldownSeconds"),
                                sendLimits: .init(perUserHour: number("sendsPerUserHour"), perUserDay: number("sendsPerUserDay"),
                                                  perOrganizationHour: number("sendsPerOrganizationHour"),
                                                  perOrganizationDay: number("sendsPerOrganizationDay"))),
            backupCodeCount: policy.backupCodeCount,
            totp: .init(algorithm: Components.Schemas.TOTPAlgorithm(rawValue: policy.totp.algorithm.rawValue) ?? .sha1,
                        digits: number("totpDigits"), periodSeconds: number("totpPeriod"), driftSteps: number("totpDrift")),
            webAuthnUserVerification: policy.webAuthnRequireUserVerification ? .required : .preferred,
            passkeySignIn: policy.passkeysAllowed, patternGridSize: policy.patternGridSize, blockedEmailDomains: policy.blockedEmailDomains,
            inboundSMSEnabled: policy.inboundSMSEnabled, inboundSMSNumber: policy.inboundSMSNumber, timeZone: policy.timeZone,
            password: .init(minLengthWithMFA: number("passwordMinLengthMFA"), minLengthWithoutMFA: number("passwordMinLength"),
                            maxLength: number("passwordMaxLength"), characterClasses: number("passwordCharacterClasses"),
                            maxAgeDays: number("passwordMaxAgeDays"), expiryWarningDays: number("passwordExpiryWarningDays")),
            rememberDeviceDays: policy.rememberDeviceDays,
            recovery: .init(passwordReset: policy.recovery.passwordReset, unlock: policy.recovery.unlock,
                            factorsRequired: policy.recovery.factorsRequired),
            challengeQuestions: .init(enabled: policy.challengeQuestions.enabled, count: policy.challengeQuestions.count,
                                      allowCustom: policy.challengeQuestions.allowCustom, questions: policy.challengeQuestions.questions))
    }

    /// `current` with the change's members laid over it. Numbers are checked against the policy's ranges here (the
    /// policy page's sentence, 422), before any arithmetic on them; the rest is checked by `setPolicy`.
    static func policy(_ change: Components.Schemas.PolicyChange, over current: OrganizationPolicy) throws -> OrganizationPolicy {
        var policy = current
        if let allowed = try factorTypes(change.allowedFactorTypes, "allowedFactorTypes") {
            policy.allowedFactorTypes = policyTypes.filter(allowed.contains)
        }
        if let defaults = try factorTypes(change.defaultFactorTypes, "defaultFactorTypes") {
            guard !defaults.contains(.backupCodes) else { throw AdminAPIProblem.invalid("defaultFactorTypes") }
            policy.backupOnlyFactorTypes = policyTypes.filter { !defaults.contains($0) }
        }
        try set(&policy, "recommendedFactorCount", change.recommendedFactorCount)
        if let everyone = change.mfaRequiredForEveryone { policy.mfaRequiredForEveryone = everyone }
        if let lockout = change.lockout {
            try set(&policy, "lockoutThreshold", lockout.threshold)
            try set(&policy, "lockoutMinutes", lockout.minutes)
            try set(&policy, "lockoutEscalation", lockout.escalation)
            try set(&policy, "lockoutMaxMinutes", lockout.maxMinutes)
            try set(&policy, "lockoutFailureCap", lockout.failureCap)
        }
        if let codes = change.messageCodes {
            try set(&policy, "codeDigits", codes.digits)
            try set(&policy, "codeLifetimeMinutes", codes.lifetimeMinutes)
            try set(&policy, "resendCooldownSeconds", codes.resendCooldownSeconds)
            try set(&policy, "sendsPerUserHour", codes.sendLimits?.perUserHour)
            try set(&policy, "sendsPerUserDay", codes.sendLimits?.perUserDay)
            try set(&policy, "sendsPerOrganizationHour", codes.sendLimits?.perOrganizationHour)
            try set(&policy, "sendsPerOrganizationDay", codes.sendLimits?.perOrganizationDay)
        }
        try set(&policy, "backupCodeCount", change.backupCodeCount)
        if let totp = change.totp {
            if let algorithm = totp.algorithm { policy.totp.algorithm = OTPAlgorithm(rawValue: algorithm.rawValue) ?? policy.totp.algorithm }
            try set(&policy, "totpDigits", totp.digits)
            try set(&policy, "totpPeriod", totp.periodSeconds)
            try set(&policy, "totpDrift", totp.driftSteps)
        }
        if let verification = change.webAuthnUserVerification { policy.webAuthnRequireUserVerification = verification == .required }
        if let passkeys = change.passkeySignIn { policy.passkeysAllowed = passkeys }
        try set(&policy, "patternGridSize", change.patternGridSize)
        if let domains = change.blockedEmailDomains {
            for domain in domains { try check(domain, "blockedEmailDomains", 0...253) }
            policy.blockedEmailDomains = domains
        }
        try check(change.inboundSMSNumber, "inboundSMSNumber", 0...32)
        if let number = change.inboundSMSNumber?.trimmingCharacters(in: .whitespaces) {
            // As on the policy page: stored as E.164 when it reads as a number; anything else is refused by the check.
            policy.inboundSMSNumber = number.isEmpty ? nil : PhoneNumber.parse(country: "", number: number)?.e164 ?? number
            if number.isEmpty { policy.inboundSMSEnabled = false }
        }
        if let enabled = change.inboundSMSEnabled { policy.inboundSMSEnabled = enabled }
        if policy.inboundSMSEnabled, policy.inboundSMSNumber == nil { throw AdminAPIProblem.invalid("inboundSMSEnabled") }
        try check(change.timeZone, "timeZone", 0...64)
        if let zone = change.timeZone { policy.timeZone = zone }
        if let password = change.password {
            try set(&policy, "passwordMinLengthMFA", password.minLengthWithMFA)
            try set(&policy, "passwordMinLength", password.minLengthWithoutMFA)
            try set(&policy, "passwordMaxLength", password.maxLength)
            try set(&policy, "passwordCharacterClasses", password.characterClasses)
            try set(&policy, "passwordMaxAgeDays", password.maxAgeDays)
            try set(&policy, "passwordExpiryWarningDays", password.expiryWarningDays)
        }
        try set(&policy, "rememberDeviceDays", change.rememberDeviceDays)
        if let recovery = change.recovery {
            if let reset = recovery.passwordReset { policy.recovery.passwordReset = reset }
            if let unlock = recovery.unlock { policy.recovery.unlock = unlock }
            try set(&policy, "recoveryFactors", recovery.factorsRequired)
        }
        if let questions = change.challengeQuestions {
            if let enabled = questions.enabled { policy.challengeQuestions.enabled = enabled }
            if let custom = questions.allowCustom { policy.challengeQuestions.allowCustom = custom }
            try set(&policy, "challengeQuestionCount", questions.count)
            if let list = questions.questions {
                for question in list { try checkText(question, "challengeQuestions", 5...200) }
                policy.challengeQuestions.questions = list
            }
        }
        return policy
    }

    /// A set of factor types (each once, as the document's `uniqueItems` says: 400 otherwise).
    private static func factorTypes(_ names: Components.Schemas.FactorTypeSet?, _ member: String) throws -> Set<FactorType>? {
        guard let names else { return nil }
        let types = names.compactMap { FactorType(rawValue: $0.rawValue) }
        guard Set(types).count == names.count else { throw AdminAPIProblem.badParameter(member) }
        return Set(types)
    }

    /// Sets one of the policy's numbers (`OrganizationPolicy.numbers`) when given, refusing one out of its range.
    private static func set(_ policy: inout OrganizationPolicy, _ name: String, _ value: Int?) throws {
        guard let value else { return }
        if let range = OrganizationPolicy.ranges[name], !range.contains(value) {
            throw OrganizationPolicy.PolicyError.outOfRange(setting: name, minimum: range.lowerBound, maximum: range.upperBound)
        }
        _ = policy.set(name, to: value)
    }
}
