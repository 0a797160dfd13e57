import Foundation

/// What a user does with their own factors: finish an enrollment, rename, remove, choose the default, and
/// regenerate backup codes (SPEC §5). Each change commits with its audit event in one transaction.
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
        let label = Self.cleanLabel(label)
        factor.label = label ?? factor.label
        factor.confirmed = true
        let id = factor.id
        let (completed, codes) = try await completeEnrollment(factor, user: user, ip: ip) { r in
            try await r.factors.confirm(id: id, userID: userID, at: now)
            if let label { try await r.factors.rename(id: id, userID: userID, label: label) }
        }
        return .confirmed(completed, backupCodes: codes)
    }

    /// What follows every enrollment once the new factor is stored confirmed (by a correct code, or a WebAuthn
    /// registration, a pattern): it becomes the default when the user has none and its type may be one, the
    /// enrollment is audited (with `detail` added), and a first possession factor comes with a new list of backup
    /// codes, returned to show once. `storing` writes the factor itself, in the same transaction.
    public func completeEnrollment(_ factor: Factor, user: User, ip: String, detail: [String: String] = [:],
                                   storing: @escaping @Sendable (Repositories) async throws -> Void = { _ in }) async throws -> (Factor, backupCodes: [String]?) {
        var factor = factor
        let others = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && $0.id != factor.id }
        let makeDefault = methods[factor.type]?.canBeDefault == true && !others.contains(where: { $0.isDefault })
        factor.isDefault = factor.isDefault || makeDefault
        // A first possession factor comes with backup codes, hashed before the transaction.
        let backups = isPossession(factor) && !others.contains(where: { $0.type == .backupCodes })
            ? try await BackupCodesFactor().prepare(userID: user.id, context: context) : nil
        let enrolled = factor
        try await repositories.atomically { [audit] r in
            try await storing(r)
            if makeDefault { try await r.factors.setDefault(id: enrolled.id, userID: user.id) }
            try await audit.record(.factorEnrolled, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), ip: ip,
                                   detail: detail.merging(["factor": enrolled.type.rawValue, "factor_id": enrolled.id]) { $1 }, in: r)
            if let backups { try await store(backups, user: user, ip: ip, in: r) }
        }
        factor = try await repositories.factors.find(id: factor.id, userID: user.id) ?? factor
        return (factor, backups?.codes)
    }

    public func rename(userID: String, factorID: String, label: String, ip: String) async throws -> Bool {
        guard let label = Self.cleanLabel(label), let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed else { return false }
        try await repositories.atomically { [audit] r in
            try await r.factors.rename(id: factorID, userID: userID, label: label)
            try await audit.record(.factorRenamed, organizationID: user.organizationID, userID: userID, actor: .user(userID), ip: ip,
                                   detail: ["factor": factor.type.rawValue, "factor_id": factor.id], in: r)
        }
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
    /// `keepingSession` is nil, e.g. an admin's removal). `actor` is the user unless given (an admin).
    public func remove(userID: String, factorID: String, confirmLast: Bool = false, actor: AuditActor? = nil,
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
        let remaining = confirmed.filter { kept in !removing.contains { $0.id == kept.id } }
        let next = factor.isDefault ? remaining.first(where: { methods[$0.type]?.canBeDefault == true }) : nil
        let removed = removing
        try await repositories.atomically { [audit] r in
            for gone in removed {
                try await r.factors.delete(id: gone.id, userID: userID)
                var detail = ["factor": gone.type.rawValue, "factor_id": gone.id]
                if gone.id != factor.id { detail["why"] = "no_possession_factor" }
                try await audit.record(.factorRemoved, organizationID: user.organizationID, userID: userID, actor: actor ?? .user(userID),
                                       ip: ip, detail: detail, in: r)
            }
            if let next { try await r.factors.setDefault(id: next.id, userID: userID) }
            try await r.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
        }
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
        try await repositories.atomically { [audit] r in
            try await r.factors.setDefault(id: factorID, userID: userID)
            try await audit.record(.factorDefaultChanged, organizationID: user.organizationID, userID: userID, actor: .user(userID), ip: ip,
                                   detail: ["factor": factor.type.rawValue, "factor_id": factor.id], in: r)
        }
        return true
    }

    /// Issues a new backup code list, voiding the old one, and ends the user's other sessions; nil when the user has
    /// no possession factor for the codes to back up.
    public func regenerateBackupCodes(userID: String, keepingSession: String? = nil, ip: String) async throws -> [String]? {
        guard let user = try await repositories.users.find(id: userID), try await mfaState(of: user) == .enabled else { return nil }
        let backups = try await BackupCodesFactor().prepare(userID: user.id, context: context)
        try await repositories.atomically { r in
            try await store(backups, user: user, ip: ip, in: r)
            try await r.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
        }
        return backups.codes
    }

    private func store(_ backups: IssuedBackupCodes, user: User, ip: String, in r: Repositories) async throws {
        try await BackupCodesFactor().store(backups, in: r)
        try await audit.record(.backupCodesIssued, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), ip: ip,
                               detail: ["factor_id": backups.factor.id, "count": String(backups.codes.count)], in: r)
    }

    // MARK: Reading

    /// All of a user's factors, confirmed or not, oldest first.
    public func list(userID: String) async throws -> [Factor] {
        try await repositories.factors.list(userID: userID)
    }

    /// A started, unconfirmed enrollment of `type` (the code-entry step of an enrollment).
    public func pendingEnrollment(id: String, userID: String, type: FactorType) async throws -> Factor? {
        guard let factor = try await repositories.factors.find(id: id, userID: userID), factor.type == type, !factor.confirmed else { return nil }
        return factor
    }

    /// Drops an unconfirmed enrollment (its first code could not be sent); confirmed factors are never touched here.
    public func cancelEnrollment(_ factor: Factor) async throws {
        guard !factor.confirmed else { return }
        try await repositories.factors.delete(id: factor.id, userID: factor.userID)
    }

    /// One row of the settings page: a confirmed factor and what is shown beside it.
    public struct Summary: Sendable {
        public var factor: Factor
        /// Backup codes not used yet.
        public var remainingCodes: Int?
        /// For a security key or passkey: whether its key is synced (backed up) or device-bound, as far as it says.
        public var keyBackedUp: Bool?
        public var keyBackupEligible: Bool?
    }

    /// The user's confirmed factors with their details, for the settings page.
    public func summaries(userID: String) async throws -> [Summary] {
        let factors = try await repositories.factors.list(userID: userID).filter(\.confirmed)
        let credentials = factors.contains { $0.type == .webauthn } ? try await repositories.webAuthn.list(userID: userID) : []
        var rows: [Summary] = []
        for factor in factors {
            var row = Summary(factor: factor)
            if factor.type == .backupCodes { row.remainingCodes = try await repositories.factors.unusedBackupCodes(factorID: factor.id).count }
            if let credential = credentials.first(where: { $0.factorID == factor.id }) {
                row.keyBackedUp = credential.backupState
                row.keyBackupEligible = credential.backupEligible
            }
            rows.append(row)
        }
        return rows
    }

    /// A label trimmed to 1…64 characters, or nil when empty.
    public static func cleanLabel(_ label: String?) -> String? {
        guard let trimmed = label?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return String(trimmed.prefix(64))
    }
}
