import Foundation
import PortcullisCrypto

/// What the user answered at a challenge: form fields by name (`code`, later a WebAuthn assertion or a pattern).
public struct FactorResponse: Sendable {
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    public init(code: String) {
        self.fields = ["code": code]
    }

    public var code: String { fields["code"] ?? "" }
}

/// The outcome of checking a response.
public enum FactorCheck: Sendable, Equatable {
    case accepted
    /// Refused; `reason` goes to the audit log (`bad_code`, `replayed_code`, …), never to the user.
    case rejected(reason: String)

    /// The audit reason of a valid code that was already used (a double submit or a replay): refused, but not
    /// counted as a guess.
    public static let replayed = "replayed_code"
}

/// What a factor type may use to check a response.
public struct FactorContext: Sendable {
    public var clock: any WallClock
    public var random: any RandomSource
    public var secrets: SecretBox
    public var hasher: PasswordHasher
    public var repositories: Repositories
    public var policy: SecurityPolicy

    public init(clock: any WallClock, random: any RandomSource, secrets: SecretBox, hasher: PasswordHasher,
                repositories: Repositories, policy: SecurityPolicy) {
        self.clock = clock
        self.random = random
        self.secrets = secrets
        self.hasher = hasher
        self.repositories = repositories
        self.policy = policy
    }

    public var factors: any FactorRepository { repositories.factors }
    public var tokens: any TokenRepository { repositories.tokens }
    public var challenges: any MessageChallengeRepository { repositories.challenges }
}

/// One kind of second factor. Each type lives in its own file (like privacyIDEA's token classes); enrollment is
/// type-specific and lives beside `verify` in that file, with its own controller and template in PortcullisWeb.
///
/// Adding a type means: a `FactorType` case, a `FactorMethod` here, registering it in `FactorMethods.standard`, its
/// storage migration if it needs more than the `factors` row, and its enrollment controller and templates.
public protocol FactorMethod: Sendable {
    var type: FactorType { get }
    var strength: FactorStrength { get }
    /// The RFC 8176 `amr` value recorded when it is used.
    var amr: String { get }
    /// What the user sees ("Authenticator app").
    var displayName: String { get }
    /// Whether a user may make it their default factor (backup-only methods may not).
    var canBeDefault: Bool { get }
    /// What kind of factor it is, in a few words ("Device you have", "Something you know").
    var kind: String { get }
    /// Checks a response to a challenge. Must compare in constant time, consume single-use state atomically and, when
    /// it accepts, record the time of use (in the same statement where it can).
    func verify(_ response: FactorResponse, factor: Factor, context: FactorContext) async throws -> FactorCheck
}

extension FactorMethod {
    public var kind: String {
        switch strength {
        case .possession: "Device you have"
        case .outOfBand: "Code sent to you"
        case .knowledge: "Something you know"
        }
    }
}

/// The factor types this server offers, by type.
public struct FactorMethods: Sendable {
    private let byType: [FactorType: any FactorMethod]

    public init(_ methods: [any FactorMethod]) {
        self.byType = Dictionary(uniqueKeysWithValues: methods.map { ($0.type, $0) })
    }

    public static let standard = FactorMethods.forPolicy(SecurityPolicy())

    /// Every factor type, with the policy's choices applied (whether the pattern may be a default).
    public static func forPolicy(_ policy: SecurityPolicy) -> FactorMethods {
        FactorMethods([TOTPFactor(), HOTPFactor(), SMSFactor(), EmailFactor(), WebAuthnFactor(), PatternFactor(canBeDefault: policy.patternCanBeDefault),
                       BackupCodesFactor()])
    }

    public subscript(type: FactorType) -> (any FactorMethod)? { byType[type] }

    public var types: [FactorType] { FactorType.allCases.filter { byType[$0] != nil } }
}
