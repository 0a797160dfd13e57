import Foundation

/// The registry of factor types this server offers, keyed by type: with `FactorType` the only place that lists them.
/// It also holds the one rule for which factor is the default.
public struct FactorMethods: Sendable {
    private let byType: [FactorType: any FactorMethod]
    /// Types the policy allows users to enroll, and those it keeps from being a default.
    private let allowed: Set<FactorType>
    private let backupOnly: Set<FactorType>

    public init(_ methods: [any FactorMethod], allowed: Set<FactorType> = Set(FactorType.allCases), backupOnly: Set<FactorType> = []) {
        self.byType = Dictionary(uniqueKeysWithValues: methods.map { ($0.type, $0) })
        self.allowed = allowed
        self.backupOnly = backupOnly
    }

    public static let standard = FactorMethods.forPolicy(SecurityPolicy())

    /// Every factor type, with the policy's choices applied: which types users may enroll and which may be a default.
    /// Factors of a type turned off still verify (their users are asked to enroll another).
    public static func forPolicy(_ policy: SecurityPolicy) -> FactorMethods {
        FactorMethods([TOTPFactor(), HOTPFactor(), SMSFactor(), EmailFactor(), WebAuthnFactor(),
                       PatternFactor(canBeDefault: policy.patternCanBeDefault), BackupCodesFactor()],
                      allowed: Set(policy.allowedFactorTypes), backupOnly: Set(policy.backupOnlyFactorTypes))
    }

    /// Whether users may enroll a factor of this type (backup codes come with any possession factor).
    public func allowsEnrollment(_ type: FactorType) -> Bool { byType[type] != nil && (allowed.contains(type) || type == .backupCodes) }

    /// The types that count towards MFA.
    public var possessionTypes: [FactorType] { types.filter { byType[$0]?.descriptor.isPossession == true } }

    public subscript(type: FactorType) -> (any FactorMethod)? { byType[type] }

    /// The registered types, in `FactorType`'s order.
    public var types: [FactorType] { FactorType.allCases.filter { byType[$0] != nil } }

    public func descriptor(of factor: Factor) -> FactorDescriptor? { byType[factor.type]?.descriptor }

    /// Whether a factor counts towards MFA (SPEC §3.1); an unknown type does not.
    public func isPossession(_ factor: Factor) -> Bool { descriptor(of: factor)?.isPossession ?? false }

    public func canBeDefault(_ factor: Factor) -> Bool {
        (descriptor(of: factor)?.canBeDefault ?? false) && !backupOnly.contains(factor.type)
    }

    /// A user's confirmed possession factors are all of types the policy turned off: they must enroll another.
    public func needsReplacement(_ factors: [Factor]) -> Bool {
        let possession = factors.filter { $0.confirmed && isPossession($0) }
        return !possession.isEmpty && !possession.contains { allowed.contains($0.type) }
    }

    // MARK: The default rule

    /// Whether a newly enrolled factor becomes the default: when its type may be one and no other confirmed factor is.
    public func becomesDefault(_ factor: Factor, others: [Factor]) -> Bool {
        canBeDefault(factor) && !others.contains { $0.confirmed && $0.isDefault && $0.id != factor.id }
    }

    /// The factor that takes over as default when `removed` (the default among them) goes: the oldest remaining
    /// confirmed factor whose type may be a default; nil when none may.
    public func successor(afterRemoving removed: [Factor], from factors: [Factor]) -> Factor? {
        guard removed.contains(where: \.isDefault) else { return nil }
        return factors.first { factor in
            factor.confirmed && canBeDefault(factor) && !removed.contains { $0.id == factor.id }
        }
    }

    /// The factor a challenge starts with: the default, else the first that may be one, else the first.
    public func defaultFactor(among factors: [Factor]) -> Factor? {
        factors.first { $0.isDefault } ?? factors.first { canBeDefault($0) } ?? factors.first
    }
}
