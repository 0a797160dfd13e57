import Foundation
import PortcullisCrypto

/// One organization's policy (SPEC §4.1), set on its policy page, the admin API or `portcullis policy set`, and
/// stored as JSON on the organization. A setting the organization never saved follows the server's configuration
/// (`SecurityPolicy`, from `PORTCULLIS_*`): that is what a new organization starts with. The sign-in flow applies
/// it at each sign-in (`SecurityPolicy.applying`), so a change takes effect at the next one.
public struct OrganizationPolicy: Sendable, Codable, Equatable {
    /// Factor types users may enroll; a type turned off is no longer offered, and users whose only possession
    /// factor is of that type are asked to enroll another at their next sign-in.
    public var allowedFactorTypes: [FactorType]
    /// Types that may never be a user's default factor (backup codes always are).
    public var backupOnlyFactorTypes: [FactorType]
    /// How many factors users are advised to hold (shown to those who hold fewer).
    public var recommendedFactorCount: Int
    /// Every user must use a second factor (besides the users and groups that require it).
    public var mfaRequiredForEveryone: Bool
    public var lockoutThreshold: Int
    public var lockoutDuration: TimeInterval
    public var lockoutEscalation: Double
    public var lockoutMaxDuration: TimeInterval
    public var lockoutFailureCap: Int
    public var messageCodes: MessageCodeSettings
    public var backupCodeCount: Int
    public var totp: TOTPSettings
    public var webAuthnRequireUserVerification: Bool
    /// "Sign in with a passkey" on this organization's sign-in page (when the server allows passkey sign-in at all).
    public var passkeysAllowed: Bool
    public var patternGridSize: Int
    /// Email domains that may not be used for the email factor (the firm's own mail, which an attacker with the
    /// password might also read).
    public var blockedEmailDomains: [String]
    /// Inbound SMS confirmation (SPEC §3): users may text a shown code to this number instead of typing one.
    public var inboundSMSEnabled: Bool
    public var inboundSMSNumber: String?
    /// IANA time zone: the audit log's times, and lent tokens are due back at the end of the day here.
    public var timeZone: String
    /// Password rules (SPEC §5).
    public var password: PasswordPolicy
    /// "Remember this device for N days" at the challenge (0 = not offered).
    public var rememberDeviceDays: Int
    /// "Forgot password" and "Unlock account".
    public var recovery: RecoveryPolicy
    public var challengeQuestions: ChallengeQuestionPolicy

    /// The policy a new organization starts with: the server's configuration.
    public init(defaults policy: SecurityPolicy = SecurityPolicy()) {
        allowedFactorTypes = policy.allowedFactorTypes
        backupOnlyFactorTypes = policy.backupOnlyFactorTypes
        recommendedFactorCount = policy.recommendedFactorCount
        mfaRequiredForEveryone = policy.mfaRequiredForEveryone
        lockoutThreshold = policy.lockoutThreshold
        lockoutDuration = policy.lockoutDuration
        lockoutEscalation = policy.lockoutEscalation
        lockoutMaxDuration = policy.lockoutMaxDuration
        lockoutFailureCap = policy.lockoutFailureCap
        messageCodes = policy.messageCodes
        backupCodeCount = policy.backupCodeCount
        totp = policy.totp
        webAuthnRequireUserVerification = policy.webAuthnRequireUserVerification
        passkeysAllowed = policy.passkeysAllowed
        patternGridSize = policy.patternGridSize
        blockedEmailDomains = policy.blockedEmailDomains
        inboundSMSEnabled = policy.inboundSMSEnabled
        inboundSMSNumber = policy.inboundSMSNumber
        timeZone = policy.timeZone
        password = policy.password
        rememberDeviceDays = policy.rememberDeviceDays
        recovery = policy.recovery
        challengeQuestions = policy.challengeQuestions
    }

    /// The decoder's `userInfo` key for the defaults of settings missing from the stored JSON.
    public static let defaultsKey = CodingUserInfoKey(rawValue: "portcullis.organizationPolicyDefaults")!

    /// Reads a stored policy; every missing setting takes its default (the server's, passed in `userInfo`).
    public init(from decoder: any Decoder) throws {
        self.init(defaults: decoder.userInfo[Self.defaultsKey] as? SecurityPolicy ?? SecurityPolicy())
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable>(_ key: CodingKeys, _ value: inout T) throws {
            if let stored = try c.decodeIfPresent(T.self, forKey: key) { value = stored }
        }
        try read(.allowedFactorTypes, &allowedFactorTypes)
        try read(.backupOnlyFactorTypes, &backupOnlyFactorTypes)
        try read(.recommendedFactorCount, &recommendedFactorCount)
        try read(.mfaRequiredForEveryone, &mfaRequiredForEveryone)
        try read(.lockoutThreshold, &lockoutThreshold)
        try read(.lockoutDuration, &lockoutDuration)
        try read(.lockoutEscalation, &lockoutEscalation)
        try read(.lockoutMaxDuration, &lockoutMaxDuration)
        try read(.lockoutFailureCap, &lockoutFailureCap)
        try read(.messageCodes, &messageCodes)
        try read(.backupCodeCount, &backupCodeCount)
        try read(.totp, &totp)
        try read(.webAuthnRequireUserVerification, &webAuthnRequireUserVerification)
        try read(.passkeysAllowed, &passkeysAllowed)
        try read(.patternGridSize, &patternGridSize)
        try read(.blockedEmailDomains, &blockedEmailDomains)
        try read(.inboundSMSEnabled, &inboundSMSEnabled)
        inboundSMSNumber = try c.decodeIfPresent(String.self, forKey: .inboundSMSNumber) ?? inboundSMSNumber
        try read(.timeZone, &timeZone)
        try read(.password, &password)
        try read(.rememberDeviceDays, &rememberDeviceDays)
        try read(.recovery, &recovery)
        try read(.challengeQuestions, &challengeQuestions)
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// Whether users may confirm an SMS sign-in by texting the code back: switched on, with a number to text.
    public var inboundSMSActive: Bool { inboundSMSEnabled && inboundSMSNumber != nil }

    public func allows(_ type: FactorType) -> Bool { allowedFactorTypes.contains(type) }

    /// The settings that differ in `other`, by their stored names (for the audit log; values are not recorded).
    public func changedKeys(to other: OrganizationPolicy) -> [String] {
        let mine = Self.fields(self), theirs = Self.fields(other)
        return mine.keys.sorted().filter { mine[$0] != theirs[$0] }
    }

    private static func fields(_ policy: OrganizationPolicy) -> [String: String] {
        guard let data = try? JSONEncoder.sortedPolicy.encode(policy),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object.mapValues { value in
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
    }
}

extension JSONEncoder {
    /// Stable output for comparisons.
    static var sortedPolicy: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
