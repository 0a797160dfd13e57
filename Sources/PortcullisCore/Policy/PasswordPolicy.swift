import Foundation

/// An organization's password rules (SPEC §5). The defaults follow NIST SP 800-63B-4: a minimum length (8 for users
/// who must use a second factor, 15 for those who need not), at least 64 characters allowed and nothing truncated,
/// a blocklist of common and breached passwords, context words and repetitive or sequential runs refused, no
/// composition rules and no expiry. Character classes and a maximum age can be turned on; the policy page says
/// they are weaker than the defaults.
public struct PasswordPolicy: Sendable, Codable, Equatable {
    /// Characters (Unicode code points after NFKC normalization) a password needs when its user must use MFA.
    public var minimumLengthWithMFA: Int = 8
    /// The same for users who need not use MFA: the password is then all that protects the account.
    public var minimumLengthWithoutMFA: Int = 15
    /// The longest password accepted (at least 64); never truncated.
    public var maximumLength: Int = 128
    /// Weaker than the defaults: characters needed from this many of the classes lowercase, uppercase, digit and
    /// other (0 = no composition rule).
    public var characterClasses: Int = 0
    /// Weaker than the defaults: days a password lasts before it must be changed at sign-in (0 = it never expires).
    public var maximumAgeDays: Int = 0
    /// Days before the expiry from which sign-in and settings warn.
    public var expiryWarningDays: Int = 14

    public init() {}

    /// The minimum length for a user who must use MFA (`mfaRequired`) or need not.
    public func minimumLength(mfaRequired: Bool) -> Int {
        mfaRequired ? minimumLengthWithMFA : minimumLengthWithoutMFA
    }

    /// When a password set at `changedAt` expires, if the policy has a maximum age.
    public func expiry(changedAt: Date) -> Date? {
        maximumAgeDays > 0 ? changedAt.addingTimeInterval(TimeInterval(maximumAgeDays) * 86_400) : nil
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minimumLengthWithMFA = try c.decodeIfPresent(Int.self, forKey: .minimumLengthWithMFA) ?? minimumLengthWithMFA
        minimumLengthWithoutMFA = try c.decodeIfPresent(Int.self, forKey: .minimumLengthWithoutMFA) ?? minimumLengthWithoutMFA
        maximumLength = try c.decodeIfPresent(Int.self, forKey: .maximumLength) ?? maximumLength
        characterClasses = try c.decodeIfPresent(Int.self, forKey: .characterClasses) ?? characterClasses
        maximumAgeDays = try c.decodeIfPresent(Int.self, forKey: .maximumAgeDays) ?? maximumAgeDays
        expiryWarningDays = try c.decodeIfPresent(Int.self, forKey: .expiryWarningDays) ?? expiryWarningDays
    }
}

/// Self-service recovery from the sign-in page (SPEC §5): "Forgot password" and "Unlock account".
public struct RecoveryPolicy: Sendable, Codable, Equatable {
    /// Users may reset a forgotten password themselves.
    public var passwordReset: Bool = true
    /// Users may unlock their locked account themselves (never a lock that needs an administrator).
    public var unlock: Bool = true
    /// How many different confirmed factors a user proves before either (1 or 2).
    public var factorsRequired: Int = 1

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        passwordReset = try c.decodeIfPresent(Bool.self, forKey: .passwordReset) ?? passwordReset
        unlock = try c.decodeIfPresent(Bool.self, forKey: .unlock) ?? unlock
        factorsRequired = try c.decodeIfPresent(Int.self, forKey: .factorsRequired) ?? factorsRequired
    }
}

/// Challenge questions (SPEC §5): off by default and weaker than factors. Where an organization turns them on, they
/// are an extra check in reset and unlock beside a factor, never alone and never at sign-in.
public struct ChallengeQuestionPolicy: Sendable, Codable, Equatable {
    public var enabled: Bool = false
    /// How many questions each user answers.
    public var count: Int = 3
    /// Users may write questions of their own besides the organization's list.
    public var allowCustom: Bool = false
    /// The questions users pick from.
    public var questions: [String] = Self.standardQuestions

    public static let standardQuestions = [
        "What was the name of your first school?",
        "In what city did your parents meet?",
        "What was the make of your first car?",
        "What is the name of the street you grew up on?",
        "What was your childhood nickname?",
        "What is the middle name of your oldest sibling?",
        "What was the name of your first employer?",
        "In what town was your first job?",
    ]

    public init() {}

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? enabled
        count = try c.decodeIfPresent(Int.self, forKey: .count) ?? count
        allowCustom = try c.decodeIfPresent(Bool.self, forKey: .allowCustom) ?? allowCustom
        questions = try c.decodeIfPresent([String].self, forKey: .questions) ?? questions
    }
}
