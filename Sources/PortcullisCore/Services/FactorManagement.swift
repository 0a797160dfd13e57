import Foundation

/// What a user does with their own factors: finish an enrollment, rename, remove, choose the default, and
/// regenerate backup codes (SPEC §5).
public struct FactorManagement: Sendable {
    let repositories: Repositories
    let methods: FactorMethods
    let context: FactorContext
    let audit: AuditLog

    public init(repositories: Repositories, methods: FactorMethods, context: FactorContext, audit: AuditLog) {
        self.repositories = repositories
        self.methods = methods
        self.context = context
        self.audit = audit
    }

    public enum ConfirmOutcome: Sendable, Equatable {
        /// Confirmed; `backupCodes` holds a freshly issued list to show once when this was the user's first factor.
        case confirmed(Factor, backupCodes: [String]?)
        case badCode
        case notFound
    }

    /// Confirms a started enrollment with a response (a code from the new authenticator).
    public func confirm(userID: String, factorID: String, response: FactorResponse, label: String?, ip: String) async throws -> ConfirmOutcome {
        guard let user = try await repositories.users.find(id: userID),
              var factor = try await repositories.factors.find(id: factorID, userID: userID), !factor.confirmed,
              let method = methods[factor.type] else { return .notFound }
        guard try await method.verify(response, factor: factor, context: context) == .accepted else { return .badCode }
        let now = context.clock.now
        try await repositories.factors.confirm(id: factor.id, userID: userID, at: now)
        if let label = Self.cleanLabel(label) {
            try await repositories.factors.rename(id: factor.id, userID: userID, label: label)
            factor.label = label
        }
        factor.confirmed = true
        let (completed, codes) = try await completeEnrollment(factor, user: user, ip: ip)
        return .confirmed(completed, backupCodes: codes)
    }

    /// What follows every enrollment once the new factor is stored confirmed (by a correct code, or a WebAuthn
    /// registration, a pattern): it becomes the default when the user has none and its type may be one, the
    /// enrollment is audited (with `detail` added), and a first possession factor comes with a new list of backup
    /// codes, returned to show once.
    public func completeEnrollment(_ factor: Factor, user: User, ip: String, detail: [String: String] = [:]) async throws -> (Factor, backupCodes: [String]?) {
        var factor = factor
        let others = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && $0.id != factor.id }
        if methods[factor.type]?.canBeDefault == true, !others.contains(where: { $0.isDefault }) {
            try await repositories.factors.setDefault(id: factor.id, userID: user.id)
            factor.isDefault = true
        }
        try await audit.record(.factorEnrolled, organizationID: user.organizationID, userID: user.id, ip: ip,
                               detail: detail.merging(["factor": factor.type.rawValue, "factor_id": factor.id]) { $1 })
        factor = try await repositories.factors.find(id: factor.id, userID: user.id) ?? factor
        var codes: [String]?
        if isPossession(factor), !others.contains(where: { $0.type == .backupCodes }) {
            codes = try await issueBackupCodes(user: user, ip: ip)
        }
        return (factor, codes)
    }

    public func rename(userID: String, factorID: String, label: String, ip: String) async throws -> Bool {
        guard let label = Self.cleanLabel(label), let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed else { return false }
        try await repositories.factors.rename(id: factorID, userID: userID, label: label)
        try await audit.record(.factorRenamed, organizationID: user.organizationID, userID: userID, ip: ip,
                               detail: ["factor": factor.type.rawValue, "factor_id": factor.id])
        return true
    }

    public enum RemoveOutcome: Sendable, Equatable {
        case removed
        /// The user's last possession factor, and the user must use MFA: refused (SPEC §3.1).
        case lastFactorRequired
        /// The user's last possession factor: asks for confirmation, since the backups go with it.
        case needsConfirmation
        case notFound
    }

    /// Removes a factor. The last possession factor is refused for a user who must use MFA, and for others needs
    /// `confirmLast`: the backups (pattern, backup codes) go with it, since a backup never stands alone. A removed
    /// default passes to the next factor that may be one. The user's other sessions end (all of them when
    /// `keepingSession` is nil, e.g. an admin's removal).
    public func remove(userID: String, factorID: String, confirmLast: Bool = false, actor: String? = nil,
                       keepingSession: String? = nil, ip: String) async throws -> RemoveOutcome {
        // A hardware token goes back through the inventory (an admin takes it back), never by deleting its factor.
        guard let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.type != .hotp else { return .notFound }
        let confirmed = try await repositories.factors.list(userID: userID).filter(\.confirmed)
        var removing = [factor]
        if factor.confirmed, isPossession(factor), !confirmed.contains(where: { $0.id != factor.id && isPossession($0) }) {
            if user.mfaRequired { return .lastFactorRequired }
            guard confirmLast else { return .needsConfirmation }
            removing += confirmed.filter { $0.id != factor.id }
        }
        for gone in removing {
            try await repositories.factors.delete(id: gone.id, userID: userID)
            var detail = ["factor": gone.type.rawValue, "factor_id": gone.id]
            if gone.id != factor.id { detail["why"] = "no_possession_factor" }
            try await audit.record(.factorRemoved, organizationID: user.organizationID, userID: userID, actor: actor, ip: ip, detail: detail)
        }
        let remaining = confirmed.filter { kept in !removing.contains { $0.id == kept.id } }
        if factor.isDefault, let next = remaining.first(where: { methods[$0.type]?.canBeDefault == true }) {
            try await repositories.factors.setDefault(id: next.id, userID: userID)
        }
        try await repositories.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
        return .removed
    }

    /// Possession factors (SPEC §3.1: TOTP, HOTP, WebAuthn, SMS, email) make MFA; backups (pattern, backup codes)
    /// only stand beside one.
    public func isPossession(_ factor: Factor) -> Bool {
        methods[factor.type].map { $0.strength != .knowledge } ?? false
    }

    /// Where the user stands with MFA, counting only possession factors.
    public func mfaState(of user: User) async throws -> MFAState {
        let factors = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && isPossession($0) }
        return MFAState(required: user.mfaRequired, confirmedFactorCount: factors.count)
    }

    public enum PatternOutcome: Sendable, Equatable {
        case enrolled(Factor)
        case invalid(PatternFactor.PatternProblem)
        /// A pattern is a backup: it needs a possession factor beside it.
        case needsPossessionFactor
    }

    /// Enrolls a grid pattern drawn twice, for a user who holds a possession factor.
    public func enrollPattern(user: User, pattern: String, confirmation: String, ip: String) async throws -> PatternOutcome {
        guard try await mfaState(of: user) == .enabled else { return .needsPossessionFactor }
        switch try await PatternFactor(canBeDefault: context.policy.patternCanBeDefault).enroll(
            userID: user.id, pattern: pattern, confirmation: confirmation, gridSize: context.policy.patternGridSize, label: nil, context: context) {
        case .failure(let problem): return .invalid(problem)
        case .success(let factor): return .enrolled(try await completeEnrollment(factor, user: user, ip: ip).0)
        }
    }

    /// Makes a factor the default; refused for backup-only methods.
    public func makeDefault(userID: String, factorID: String, ip: String) async throws -> Bool {
        guard let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed,
              methods[factor.type]?.canBeDefault == true else { return false }
        try await repositories.factors.setDefault(id: factorID, userID: userID)
        try await audit.record(.factorDefaultChanged, organizationID: user.organizationID, userID: userID, ip: ip,
                               detail: ["factor": factor.type.rawValue, "factor_id": factor.id])
        return true
    }

    /// Issues a new backup code list, voiding the old one, and ends the user's other sessions; nil when the user has
    /// no possession factor for the codes to back up.
    public func regenerateBackupCodes(userID: String, keepingSession: String? = nil, ip: String) async throws -> [String]? {
        guard let user = try await repositories.users.find(id: userID), try await mfaState(of: user) == .enabled else { return nil }
        let codes = try await issueBackupCodes(user: user, ip: ip)
        try await repositories.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
        return codes
    }

    private func issueBackupCodes(user: User, ip: String) async throws -> [String] {
        let (factor, codes) = try await BackupCodesFactor().issue(userID: user.id, context: context)
        try await audit.record(.backupCodesIssued, organizationID: user.organizationID, userID: user.id, ip: ip,
                               detail: ["factor_id": factor.id, "count": String(codes.count)])
        return codes
    }

    /// A label trimmed to 1…64 characters, or nil when empty.
    public static func cleanLabel(_ label: String?) -> String? {
        guard let trimmed = label?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return String(trimmed.prefix(64))
    }
}
