import PortcullisApp
import PortcullisCore

/// The organization policy page (`admin-policy`, SPEC §4.1): every setting with the sentence that explains it.
struct AdminPolicyPage: PageView {
    static let template = "admin-policy"
    let title = "Policy"
    let nav: AdminNavView

    /// A factor type's two switches: offered to users, and allowed as the default.
    struct FactorTypeRow: Sendable {
        let type: String
        let name: String
        let allowed: Bool
        let mayBeDefault: Bool
        /// Backup codes are never the default.
        let defaultFixed: Bool
    }

    /// A numeric setting.
    struct NumberRow: Sendable {
        let key: String
        let name: String
        let explanation: String
        let value: Int
        let minimum: Int
        let maximum: Int
    }

    let factorTypes: [FactorTypeRow]
    let mfaForEveryone: Bool
    /// Limits and codes; passwords; recovery and remembered devices.
    let numbers: [NumberRow]
    let passwordNumbers: [NumberRow]
    let selfServiceNumbers: [NumberRow]
    let recoveryReset: Bool
    let recoveryUnlock: Bool
    let questionsEnabled: Bool
    let questionsCustom: Bool
    let questions: String
    let totpAlgorithms: [OptionView]
    let requireUserVerification: Bool
    let passkeys: Bool
    let blockedEmailDomains: String
    let inboundSMSEnabled: Bool
    let inboundSMSNumber: String
    let timeZone: String
    var notice: Notice?

    init(nav: AdminNavView, policy: OrganizationPolicy, methods: FactorMethods, notice: Notice? = nil) {
        self.nav = nav
        factorTypes = methods.types.compactMap { type in
            guard let method = methods[type] else { return nil }
            return FactorTypeRow(type: type.rawValue, name: method.displayName, allowed: policy.allows(type) || type == .backupCodes,
                                 mayBeDefault: !policy.backupOnlyFactorTypes.contains(type) && type != .backupCodes,
                                 defaultFixed: type == .backupCodes)
        }
        mfaForEveryone = policy.mfaRequiredForEveryone
        let values = policy.numbers
        let rows = PolicyWording.numbers.map { entry in
            let range = OrganizationPolicy.ranges[entry.key] ?? 0...Int.max
            return NumberRow(key: entry.key, name: entry.name, explanation: entry.explanation, value: values[entry.key] ?? 0,
                             minimum: range.lowerBound, maximum: range.upperBound)
        }
        let selfService: Set = ["rememberDeviceDays", "recoveryFactors", "challengeQuestionCount"]
        passwordNumbers = rows.filter { $0.key.hasPrefix("password") }
        selfServiceNumbers = rows.filter { selfService.contains($0.key) }
        numbers = rows.filter { !$0.key.hasPrefix("password") && !selfService.contains($0.key) }
        recoveryReset = policy.recovery.passwordReset
        recoveryUnlock = policy.recovery.unlock
        questionsEnabled = policy.challengeQuestions.enabled
        questionsCustom = policy.challengeQuestions.allowCustom
        questions = policy.challengeQuestions.questions.joined(separator: "\n")
        totpAlgorithms = ["SHA1", "SHA256", "SHA512"].map { OptionView(value: $0, label: $0, selected: policy.totp.algorithm.rawValue == $0) }
        requireUserVerification = policy.webAuthnRequireUserVerification
        passkeys = policy.passkeysAllowed
        blockedEmailDomains = policy.blockedEmailDomains.joined(separator: ", ")
        inboundSMSEnabled = policy.inboundSMSEnabled
        inboundSMSNumber = policy.inboundSMSNumber ?? ""
        timeZone = policy.timeZone
        self.notice = notice
    }
}
