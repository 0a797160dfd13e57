import Foundation
import PortcullisCrypto
import PortcullisWebAuthn

/// The rules sign-in follows. The server's configuration gives the defaults (`PORTCULLIS_*`); for one organization,
/// `applying(_:)` lays its own policy (SPEC §4.1) over them, and that effective policy is what the flow uses.
public struct SecurityPolicy: Sendable, Equatable {
    /// Factor types users may enroll, and those that may never be a default (SPEC §4.1).
    public var allowedFactorTypes: [FactorType] = FactorType.allCases
    public var backupOnlyFactorTypes: [FactorType] = [.pattern, .backupCodes]
    /// How many factors users are advised to hold.
    public var recommendedFactorCount: Int = 2
    public var mfaRequiredForEveryone: Bool = false
    /// Failed attempts (of one kind) before the account locks (SPEC §2.4).
    public var lockoutThreshold: Int = 5
    /// How long the first lock lasts; each further lock in a row lasts `lockoutEscalation` times longer, up to
    /// `lockoutMaxDuration` (SPEC §2.4).
    public var lockoutDuration: TimeInterval = 30 * 60
    public var lockoutEscalation: Double = 2
    public var lockoutMaxDuration: TimeInterval = 24 * 60 * 60
    /// Consecutive failures (password and factor, across lock periods) after which only an administrator lifts the
    /// lock; NIST SP 800-63B allows at most 100. Only a completed sign-in resets the count.
    public var lockoutFailureCap: Int = 100
    /// How recently a second factor must have been answered before a security change (re-authentication).
    public var stepUpWindow: TimeInterval = 5 * 60
    /// How recently an administrator must have answered a second factor to use the admin pages.
    public var adminStepUpWindow: TimeInterval = 15 * 60
    /// Failed sign-in attempts from one IP address within `ipWindow` before that address is refused for the rest of
    /// the window; slows password spraying over many accounts.
    public var ipFailureLimit: Int = 20
    public var ipWindow: TimeInterval = 15 * 60
    public var totp = TOTPSettings()
    /// Backup codes issued per list.
    public var backupCodeCount: Int = 10
    /// The issuer shown in authenticator apps.
    public var issuer: String = "Portcullis"
    /// HOTP hardware tokens: codes accepted ahead of the expected counter, and the wider window for resync.
    public var hotpLookAhead: Int = 10
    public var hotpResyncWindow: Int = 100
    public var messageCodes = MessageCodeSettings()
    /// Grid pattern: the grid's size (3 to 5).
    public var patternGridSize: Int = 3
    /// WebAuthn: user verification `preferred` (false) or `required` (true); passkey sign-in without a password
    /// (the server's switch) and the organization's own.
    public var webAuthnRequireUserVerification: Bool = false
    public var passkeySignIn: Bool = true
    public var passkeysAllowed: Bool = true
    /// Email domains the email factor may not use; inbound SMS; the organization's time zone (see `OrganizationPolicy`).
    public var blockedEmailDomains: [String] = []
    public var inboundSMSEnabled: Bool = false
    public var inboundSMSNumber: String?
    public var timeZone: String = "UTC"
    /// Self-service (SPEC §5): passwords, remembered devices, recovery and challenge questions.
    public var password = PasswordPolicy()
    public var rememberDeviceDays: Int = 30
    public var recovery = RecoveryPolicy()
    public var challengeQuestions = ChallengeQuestionPolicy()
    /// The public base URL: the WebAuthn relying party's origin, and its host the RP ID.
    public var webAuthnOrigin: String = "http://localhost:8080"

    public init() {}

    /// Whether the grid pattern may be a user's default factor (it is backup-only unless the policy says otherwise).
    public var patternCanBeDefault: Bool {
        get { !backupOnlyFactorTypes.contains(.pattern) }
        set {
            backupOnlyFactorTypes.removeAll { $0 == .pattern }
            if !newValue { backupOnlyFactorTypes.append(.pattern) }
        }
    }

    /// This policy with an organization's own settings laid over it: what sign-in follows for its users.
    public func applying(_ organization: OrganizationPolicy) -> SecurityPolicy {
        var policy = self
        policy.allowedFactorTypes = organization.allowedFactorTypes
        policy.backupOnlyFactorTypes = Array(Set(organization.backupOnlyFactorTypes + [.backupCodes])).sorted { $0.rawValue < $1.rawValue }
        policy.recommendedFactorCount = organization.recommendedFactorCount
        policy.mfaRequiredForEveryone = organization.mfaRequiredForEveryone
        policy.lockoutThreshold = organization.lockoutThreshold
        policy.lockoutDuration = organization.lockoutDuration
        policy.lockoutEscalation = organization.lockoutEscalation
        policy.lockoutMaxDuration = organization.lockoutMaxDuration
        policy.lockoutFailureCap = organization.lockoutFailureCap
        policy.messageCodes = organization.messageCodes
        policy.backupCodeCount = organization.backupCodeCount
        policy.totp = organization.totp
        policy.webAuthnRequireUserVerification = organization.webAuthnRequireUserVerification
        policy.passkeysAllowed = organization.passkeysAllowed
        policy.patternGridSize = organization.patternGridSize
        policy.blockedEmailDomains = organization.blockedEmailDomains
        policy.inboundSMSEnabled = organization.inboundSMSEnabled
        policy.inboundSMSNumber = organization.inboundSMSNumber
        policy.timeZone = organization.timeZone
        policy.password = organization.password
        policy.rememberDeviceDays = organization.rememberDeviceDays
        policy.recovery = organization.recovery
        policy.challengeQuestions = organization.challengeQuestions
        return policy
    }

    /// The effective policy for an organization's users.
    public func applying(_ organization: Organization) -> SecurityPolicy { applying(organization.policy) }

    /// How long the lock that follows `level` earlier locks in a row lasts.
    public func lockDuration(level: Int) -> TimeInterval {
        let factor = pow(max(1, lockoutEscalation), Double(min(max(0, level), 64)))
        return min(lockoutDuration * factor, max(lockoutDuration, lockoutMaxDuration))
    }

    /// The WebAuthn relying party: `webAuthnOrigin`'s host and origin, named by `issuer`; nil when that URL cannot be one.
    public var relyingParty: WebAuthnRelyingParty? {
        WebAuthnRelyingParty(baseURL: webAuthnOrigin, name: issuer)
    }
}

/// TOTP parameters for new enrollments (SPEC §3: SHA-1, 30 s, 6 digits, ±1 step by default).
public struct TOTPSettings: Sendable, Codable, Equatable {
    public var algorithm: OTPAlgorithm = .sha1
    public var digits: Int = 6
    public var period: Int = 30
    /// Steps accepted either side of now.
    public var drift: Int = 1

    public init(algorithm: OTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30, drift: Int = 1) {
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.drift = drift
    }
}

/// Codes sent by SMS and email (SPEC §3): 6 digits, 5 minutes, single use, at most 5 tries each, a resend cooldown,
/// and send limits against SMS pumping.
public struct MessageCodeSettings: Sendable, Codable, Equatable {
    public var digits: Int = 6
    public var lifetime: TimeInterval = 5 * 60
    public var maxTries: Int = 5
    public var resendCooldown: TimeInterval = 30
    /// Sends allowed per hour and per day, by who and where.
    public var perUser = SendLimit(hour: 5, day: 20)
    public var perDestination = SendLimit(hour: 5, day: 10)
    public var perIP = SendLimit(hour: 10, day: 50)
    public var perOrganization = SendLimit(hour: 300, day: 2000)

    public init() {}
}

/// A pair of send limits.
public struct SendLimit: Sendable, Codable, Equatable {
    public var hour: Int
    public var day: Int

    public init(hour: Int, day: Int) {
        self.hour = hour
        self.day = day
    }
}
