import Foundation
import PortcullisCrypto

/// What a factor type is, whatever the factor: the facts the sign-in flow, the settings and the audit log need.
public struct FactorDescriptor: Sendable, Equatable {
    public var type: FactorType
    public var strength: FactorStrength
    /// The RFC 8176 `amr` value recorded when it is used.
    public var amr: String
    /// What the user sees ("Authenticator app").
    public var displayName: String
    /// A backup (the pattern by default, backup codes always) may never be the user's default factor.
    public var backupOnly: Bool
    /// Whether the user removes it from settings; a lent or assigned hardware token goes back through the inventory.
    public var userRemovable: Bool

    public init(type: FactorType, strength: FactorStrength, amr: String, displayName: String, backupOnly: Bool = false,
                userRemovable: Bool = true) {
        self.type = type
        self.strength = strength
        self.amr = amr
        self.displayName = displayName
        self.backupOnly = backupOnly
        self.userRemovable = userRemovable
    }

    /// Possession factors (SPEC §3.1: TOTP, HOTP, WebAuthn, SMS, email) make MFA; knowledge factors (pattern, backup
    /// codes) only stand beside one.
    public var isPossession: Bool { strength != .knowledge }
    public var canBeDefault: Bool { !backupOnly }
}

/// The outcome of checking a response.
public enum FactorCheck: Sendable, Equatable {
    case accepted
    /// Refused; `reason` goes to the audit log (`bad_code`, `replayed_code`, …), never to the user.
    case rejected(reason: String)

    /// The audit reason of a valid code that was already used (a double submit or a replay): refused, but not
    /// counted as a guess.
    public static let replayed = "replayed_code"
    /// The audit reason of a response of the wrong shape for the factor (a code to a security key).
    public static let wrongResponse = "wrong_response"
}

/// What a factor type may use to check a response.
public struct FactorContext: Sendable {
    public var clock: any WallClock
    public var random: any RandomSource
    public var secrets: SecretBox
    public var hasher: PasswordHasher
    public var repositories: Repositories
    public var policy: SecurityPolicy
    /// Where security notices go (`notify`); nil sends none.
    public var notifier: (any SecurityNotifier)?

    public init(clock: any WallClock, random: any RandomSource, secrets: SecretBox, hasher: PasswordHasher,
                repositories: Repositories, policy: SecurityPolicy, notifier: (any SecurityNotifier)? = nil) {
        self.clock = clock
        self.random = random
        self.secrets = secrets
        self.hasher = hasher
        self.repositories = repositories
        self.policy = policy
        self.notifier = notifier
    }

    public var factors: any FactorRepository { repositories.factors }
    public var tokens: any TokenRepository { repositories.tokens }
    public var challenges: any MessageChallengeRepository { repositories.challenges }
}

/// One kind of second factor: a plugin in its own folder (`Factors/<Type>/`) holding its descriptor, its typed
/// parameters, `verify`, and its enrollment steps. Every enrollment ends in `EnrollmentCompletion`. The registry
/// `FactorMethods` is the only place that lists the types; services ask a method, never switch over types.
public protocol FactorMethod: Sendable {
    var descriptor: FactorDescriptor { get }
    /// Checks a response to a challenge. Must compare in constant time, consume single-use state atomically and, when
    /// it accepts, record the time of use (in the same statement where it can).
    func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck
    /// What the settings page shows beside a confirmed factor of this type, beyond its name and dates.
    func details(of factor: Factor, context: FactorContext) async throws -> FactorDetails
}

extension FactorMethod {
    public var type: FactorType { descriptor.type }
    public var strength: FactorStrength { descriptor.strength }
    public var amr: String { descriptor.amr }
    public var displayName: String { descriptor.displayName }
    public var canBeDefault: Bool { descriptor.canBeDefault }

    public func details(of factor: Factor, context: FactorContext) async throws -> FactorDetails { FactorDetails() }
}

/// Type-specific facts about one factor for the settings page (each method fills what applies to it).
public struct FactorDetails: Sendable, Equatable {
    /// Backup codes not used yet.
    public var remainingCodes: Int?
    /// For a security key or passkey: whether its key is synced (backed up) or device-bound, as far as it says.
    public var keyBackedUp: Bool?
    public var keyBackupEligible: Bool?
    /// A hardware token's serial number.
    public var serial: String?

    public init(remainingCodes: Int? = nil, keyBackedUp: Bool? = nil, keyBackupEligible: Bool? = nil, serial: String? = nil) {
        self.remainingCodes = remainingCodes
        self.keyBackedUp = keyBackedUp
        self.keyBackupEligible = keyBackupEligible
        self.serial = serial
    }
}

/// A factor whose challenge is a typed code of a known length, so the verification API (and later RADIUS) can
/// challenge it: authenticator apps, hardware tokens, SMS and email.
public protocol CodeFactorMethod: FactorMethod {
    /// The number of digits a code of this factor has; nil when the factor is not usable now.
    func codeLength(of factor: Factor, context: FactorContext) async throws -> Int?
}

/// A code factor whose current code can be recognized without using it up: the verification API finds a code typed
/// at the end of the password this way (authenticator apps, hardware tokens).
public protocol TrailingCodeFactorMethod: CodeFactorMethod {
    func matchesNow(_ code: String, factor: Factor, context: FactorContext) async throws -> Bool
}
