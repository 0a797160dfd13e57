import Foundation

/// Where every enrollment ends, whatever the type and whoever enrolls (a correct first code, a security key's
/// registration, a pattern drawn twice, a hardware token an admin hands over): the new factor is stored with its
/// audit event in one transaction, becomes the default by the one rule in `FactorMethods`, and a user's own first
/// possession factor comes with a first list of backup codes to show once.
///
/// Backup codes are issued only when the user enrolls for themselves: codes are shown once, to the person who will
/// keep them, never to an admin. A user given a token by an admin creates their list in settings.
public struct EnrollmentCompletion: Sendable {
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

    /// How the enrollment is recorded.
    public struct Record: Sendable {
        public var event: AuditEventType
        public var actor: AuditActor
        public var ip: String?
        /// The event's detail; nil records the factor (`factor.enrolled`).
        public var detail: AuditDetail?

        public init(event: AuditEventType = .factorEnrolled, actor: AuditActor, ip: String?, detail: AuditDetail? = nil) {
            self.event = event
            self.actor = actor
            self.ip = ip
            self.detail = detail
        }
    }

    /// A type the user's organization turned off is not enrolled (`FactorMethods.allowsEnrollment`).
    public enum Refusal: DomainError, Equatable {
        case typeNotAllowed(FactorType)

        public var code: String { "factor.type_not_allowed" }
        public var kind: ErrorKind { .invalid }
        public var arguments: [String: String] {
            switch self { case .typeNotAllowed(let type): ["type": type.rawValue] }
        }
    }

    /// Completes the enrollment of `factor` for `user`. `storing` writes the factor itself (insert, or confirm a
    /// started one) in the same transaction; if it throws, nothing is written. Returns the stored factor and the new
    /// backup codes, if any were issued.
    public func complete(_ factor: Factor, user: User, record: Record,
                         storing: @escaping @Sendable (Repositories) async throws -> Void) async throws -> (Factor, backupCodes: [String]?) {
        let enrolled = factor
        let context = try await context.forOrganization(id: user.organizationID)
        let methods = context.methods
        guard methods.allowsEnrollment(factor.type) else { throw Refusal.typeNotAllowed(factor.type) }
        let existing = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && $0.id != factor.id }
        // The slow hashing of a first backup list happens before the transaction.
        let selfEnrolled = record.actor == .user(user.id)
        let backups = selfEnrolled && methods.isPossession(factor) && !existing.contains(where: { $0.type == BackupCodesFactor().type })
            ? try await BackupCodesFactor().prepare(userID: user.id, context: context) : nil
        try await repositories.atomically { [audit] r in
            try await storing(r)
            let others = try await r.factors.list(userID: user.id).filter { $0.id != enrolled.id }
            if methods.becomesDefault(enrolled, others: others) { try await r.factors.setDefault(id: enrolled.id, userID: user.id) }
            try await audit.record(record.event, organizationID: user.organizationID, userID: user.id, actor: record.actor, ip: record.ip,
                                   detail: record.detail ?? .factor(.init(enrolled)), in: r)
            if let backups { try await Self.store(backups, user: user, ip: record.ip, audit: audit, in: r) }
        }
        let stored = try await repositories.factors.find(id: factor.id, userID: user.id) ?? factor
        context.notify(.factorAdded(method: methods[stored.type]?.displayName ?? stored.type.rawValue, label: stored.label), userID: user.id)
        return (stored, backups?.codes)
    }

    /// Stores a new backup list in place of the old one, audited, inside a transaction.
    static func store(_ backups: IssuedBackupCodes, user: User, ip: String?, audit: AuditLog, in r: Repositories) async throws {
        try await BackupCodesFactor().store(backups, in: r)
        try await audit.record(.backupCodesIssued, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), ip: ip,
                               detail: .backupCodesIssued(factorID: backups.factor.id, count: backups.codes.count), in: r)
    }
}
