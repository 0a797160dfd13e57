import Foundation

/// What a user does with their own factors: finish an enrollment, rename, remove, choose the default, and
/// regenerate backup codes (SPEC §5). Each change commits with its audit event in one transaction.
public struct FactorManagement: Sendable {
    let repositories: Repositories
    let methods: FactorMethods
    let context: FactorContext
    let audit: AuditLog
    let completion: EnrollmentCompletion

    public init(repositories: Repositories, methods: FactorMethods, context: FactorContext, audit: AuditLog) {
        self.repositories = repositories
        self.methods = methods
        self.context = context
        self.audit = audit
        self.completion = EnrollmentCompletion(repositories: repositories, methods: methods, context: context, audit: audit)
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
        let context = try await context.forOrganization(id: user.organizationID)
        guard try await method.verify(response, factor: factor, context: context) == .accepted else { return .badCode }
        let now = context.clock.now
        let label = Self.cleanLabel(label)
        factor.label = label ?? factor.label
        factor.confirmed = true
        let id = factor.id
        let (completed, codes) = try await completion.complete(factor, user: user, record: .init(actor: .user(userID), ip: ip)) { r in
            try await r.factors.confirm(id: id, userID: userID, at: now)
            if let label { try await r.factors.rename(id: id, userID: userID, label: label) }
        }
        return .confirmed(completed, backupCodes: codes)
    }

    public func rename(userID: String, factorID: String, label: String, ip: String) async throws -> Bool {
        guard let label = Self.cleanLabel(label), let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed else { return false }
        try await repositories.atomically { [audit] r in
            try await r.factors.rename(id: factorID, userID: userID, label: label)
            try await audit.record(.factorRenamed, organizationID: user.organizationID, userID: userID, actor: .user(userID), ip: ip,
                                   detail: .factor(.init(factor)), in: r)
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
    /// `keepingSession` is nil, e.g. an admin's removal), and a confirmed factor's removal forgets the user's remembered
    /// devices. `actor` is the user unless given (an admin).
    public func remove(userID: String, factorID: String, confirmLast: Bool = false, actor: AuditActor? = nil,
                       keepingSession: String? = nil, ip: String) async throws -> RemoveOutcome {
        // A hardware token goes back through the inventory (an admin takes it back), never by deleting its factor.
        guard let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID),
              methods.descriptor(of: factor)?.userRemovable ?? true else { return .notFound }
        let context = try await context.forOrganization(id: user.organizationID)
        let confirmed = try await repositories.factors.list(userID: userID).filter(\.confirmed)
        var removing = [factor]
        if factor.confirmed, methods.isPossession(factor), !confirmed.contains(where: { $0.id != factor.id && methods.isPossession($0) }) {
            // An administrator may remove a required user's last factor ("lost phone"): they go back to Pending.
            if actor == nil, try await context.mfaRequirement(of: user).isRequired { return .lastFactorRequired }
            guard confirmLast else { return .needsConfirmation }
            removing += confirmed.filter { $0.id != factor.id }
        }
        let next = context.methods.successor(afterRemoving: removing, from: confirmed)
        let removed = removing
        try await repositories.atomically { [audit] r in
            for gone in removed {
                try await r.factors.delete(id: gone.id, userID: userID)
                let detail = AuditDetail.factor(.init(gone, why: gone.id != factor.id ? "no_possession_factor" : nil))
                try await audit.record(.factorRemoved, organizationID: user.organizationID, userID: userID, actor: actor ?? .user(userID),
                                       ip: ip, detail: detail, in: r)
            }
            if let next { try await r.factors.setDefault(id: next.id, userID: userID) }
            try await r.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
            if removed.contains(where: \.confirmed) {
                try await RememberedDevices.revokeAll(userID: userID, organizationID: user.organizationID, reason: "factor_removed",
                                                      actor: actor ?? .user(userID), ip: ip.isEmpty ? nil : ip, audit: audit, in: r)
            }
        }
        for gone in removed {
            context.notify(.factorRemoved(method: methods[gone.type]?.displayName ?? gone.type.rawValue, label: gone.label), userID: userID)
        }
        return .removed
    }

    /// Where the user stands with MFA, counting only possession factors, under their own, their groups' and their
    /// organization's requirement.
    public func mfaState(of user: User) async throws -> MFAState {
        let factors = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && methods.isPossession($0) }
        guard factors.isEmpty else { return .enabled }
        return MFAState(try await context.forOrganization(id: user.organizationID).mfaRequirement(of: user), confirmedFactorCount: 0)
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
        let context = try await context.forOrganization(id: user.organizationID)
        switch try await PatternFactor(canBeDefault: context.policy.patternCanBeDefault).enroll(
            userID: user.id, pattern: pattern, confirmation: confirmation, gridSize: context.policy.patternGridSize, label: nil, context: context) {
        case .failure(let problem): return .invalid(problem)
        case .success(let factor):
            return .enrolled(try await completion.complete(factor, user: user, record: .init(actor: .user(user.id), ip: ip)) { r in
                try await r.factors.insert(factor)
            }.0)
        }
    }

    /// Makes a factor the default; refused for backup-only methods.
    public func makeDefault(userID: String, factorID: String, ip: String) async throws -> Bool {
        guard let user = try await repositories.users.find(id: userID),
              let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed,
              try await context.forOrganization(id: user.organizationID).methods.canBeDefault(factor) else { return false }
        try await repositories.atomically { [audit] r in
            try await r.factors.setDefault(id: factorID, userID: userID)
            try await audit.record(.factorDefaultChanged, organizationID: user.organizationID, userID: userID, actor: .user(userID), ip: ip,
                                   detail: .factor(.init(factor)), in: r)
        }
        return true
    }

    /// Issues a new backup code list, voiding the old one, and ends the user's other sessions; nil when the user has
    /// no possession factor for the codes to back up.
    public func regenerateBackupCodes(userID: String, keepingSession: String? = nil, ip: String) async throws -> [String]? {
        guard let user = try await repositories.users.find(id: userID), try await mfaState(of: user) == .enabled else { return nil }
        let backups = try await BackupCodesFactor().prepare(userID: user.id, context: try await context.forOrganization(id: user.organizationID))
        try await repositories.atomically { r in
            try await EnrollmentCompletion.store(backups, user: user, ip: ip, audit: audit, in: r)
            try await r.sessions.deleteAll(userID: userID, stage: nil, exceptToken: keepingSession)
        }
        context.notify(.backupCodesRegenerated, userID: userID)
        return backups.codes
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

    /// One row of the settings page: a confirmed factor and what its type shows beside it.
    public struct Summary: Sendable {
        public var factor: Factor
        public var details: FactorDetails
    }

    /// The user's confirmed factors with their details, for the settings page.
    public func summaries(userID: String) async throws -> [Summary] {
        var rows: [Summary] = []
        for factor in try await repositories.factors.list(userID: userID) where factor.confirmed {
            let method = methods[factor.type]
            let details = try await FactorParametersError.refusing { try await method?.details(of: factor, context: context) } ?? nil
            rows.append(Summary(factor: factor, details: details ?? FactorDetails()))
        }
        return rows
    }

    /// A label trimmed to 1…64 characters, or nil when empty.
    public static func cleanLabel(_ label: String?) -> String? {
        guard let trimmed = label?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return String(trimmed.prefix(64))
    }
}
