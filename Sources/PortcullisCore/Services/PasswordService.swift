import Foundation
import PortcullisCrypto

/// The user's own password (SPEC §5): the organization's rules for a new one, changing it in settings, the change
/// an administrator's temporary password or an expired one forces at sign-in, and when it expires.
public struct PasswordService: Sendable {
    let repositories: Repositories
    let hasher: PasswordHasher
    public let checker: PasswordChecker
    let context: FactorContext
    let audit: AuditLog
    let sessions: SessionService
    let checks: SignInService
    var clock: any WallClock { context.clock }

    public init(repositories: Repositories, hasher: PasswordHasher, checker: PasswordChecker, context: FactorContext, audit: AuditLog,
                sessions: SessionService, checks: SignInService) {
        self.repositories = repositories
        self.hasher = hasher
        self.checker = checker
        self.context = context
        self.audit = audit
        self.sessions = sessions
        self.checks = checks
    }

    // MARK: Rules

    /// A new password for `user` under their organization's policy; `current` is their password now, when known.
    public func check(_ candidate: String, for user: User, current: String? = nil) async throws -> PasswordVerdict {
        let organization = try await organization(of: user)
        let policy = context.policy.applying(organization)
        let required = try await usesSecondFactor(user, organization: organization)
        let unchanged = current.map { PasswordText.normalized($0).utf8.elementsEqual(PasswordText.normalized(candidate).utf8) } ?? false
        let words = PasswordChecker.contextWords(username: user.username, displayName: user.displayName, email: user.email,
                                                 organization: organization)
        return checker.check(candidate, policy: policy.password, mfaRequired: required, contextWords: words, current: unchanged)
    }

    /// Whether the password is not all that protects the account: the user must use MFA (themselves, by a group or
    /// the organization) or holds a possession factor, which every sign-in then asks for. Such users get the shorter
    /// minimum length (NIST SP 800-63B-4: 8 rather than 15).
    public func usesSecondFactor(_ user: User, organization: Organization) async throws -> Bool {
        let organizationContext = context.applying(organization)
        if try await organizationContext.mfaRequirement(of: user).isRequired { return true }
        let methods = organizationContext.methods
        return try await repositories.factors.list(userID: user.id).contains { $0.confirmed && methods.isPossession($0) }
    }

    /// A candidate checked for an organization without a user (the command line's `password check`).
    public func check(_ candidate: String, organization: Organization, mfaRequired: Bool, username: String = "") -> PasswordVerdict {
        checker.check(candidate, policy: context.policy.applying(organization).password, mfaRequired: mfaRequired,
                      contextWords: PasswordChecker.contextWords(username: username, displayName: "", email: nil, organization: organization))
    }

    /// Where a user's password stands: when it was set, when it expires (if the policy has a maximum age), and
    /// whether it must be changed now.
    public struct Status: Sendable, Equatable {
        public var changedAt: Date
        public var expiresAt: Date?
        /// Within the policy's warning period before the expiry.
        public var expiresSoon: Bool
        /// Expired, or an administrator's temporary password: the next sign-in asks for a new one.
        public var mustChange: Bool
    }

    public func status(of user: User) async throws -> Status {
        let organization = try await organization(of: user)
        return Self.status(of: user, policy: context.policy.applying(organization).password, now: clock.now)
    }

    static func status(of user: User, policy: PasswordPolicy, now: Date) -> Status {
        let changedAt = user.passwordChangedAt ?? user.createdAt
        let expiresAt = policy.expiry(changedAt: changedAt)
        let expired = expiresAt.map { $0 <= now } ?? false
        let warnFrom = expiresAt?.addingTimeInterval(-TimeInterval(policy.expiryWarningDays) * 86_400)
        return Status(changedAt: changedAt, expiresAt: expiresAt, expiresSoon: !expired && (warnFrom.map { $0 <= now } ?? false),
                      mustChange: user.mustChangePassword || expired)
    }

    // MARK: Changes

    public enum ChangeResult: Sendable, Equatable {
        case changed(Session)
        /// The current password was wrong (it counts towards the lockout like a sign-in).
        case wrongCurrent
        /// The wrong password locked the account, or too many came from this address: the session has ended.
        case locked
        case refused(PasswordVerdict)
    }

    /// "Change password" in settings: the current password and the new one, under the policy. The caller has made
    /// sure the session answered a second factor recently. Every other session of the user ends.
    public func change(session: Session, user: User, current: String, new: String, ip: String) async throws -> ChangeResult {
        let organization = try await organization(of: user)
        switch try await checks.verifyPassword(organization: organization, user: user, password: current, ip: ip) {
        case .success: break
        case .throttled:
            return .locked
        case .failed:
            guard let reloaded = try await repositories.users.find(id: user.id), !reloaded.isLocked(at: clock.now), !reloaded.disabled else {
                try await sessions.end(session.token)
                return .locked
            }
            return .wrongCurrent
        }
        let verdict = try await check(new, for: user, current: current)
        guard verdict.isAcceptable else { return .refused(verdict) }
        try await store(new, for: user, keeping: session, actor: .user(user.id), ip: ip)
        return .changed(session)
    }

    /// The new password a sign-in asks for (temporary or expired): the session just proved the password and the
    /// second factor, so the current password is not asked again; it may not be chosen again (checked against its
    /// hash).
    public func replaceAtSignIn(session: Session, user: User, new: String, ip: String) async throws -> PasswordVerdict {
        var verdict = try await check(new, for: user)
        guard verdict.isAcceptable else { return verdict }
        if try await hasher.verify(new, against: user.passwordHash) {
            verdict.problem = .unchanged
            return verdict
        }
        try await store(new, for: user, keeping: session, actor: .user(user.id), ip: ip)
        return verdict
    }

    /// Hashes and stores a new password, ends every other session of the user and forgets their remembered devices,
    /// audits it.
    func store(_ password: String, for user: User, keeping session: Session?, actor: AuditActor, ip: String,
               event: AuditEventType = .passwordChanged) async throws {
        let hash = try await hasher.hash(password)  // the slow part, before the transaction
        let now = clock.now
        try await repositories.atomically { [audit] r in
            try await r.users.setPassword(userID: user.id, hash: hash, changedAt: now, mustChange: false)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: session?.token)
            try await audit.record(event, organizationID: user.organizationID, userID: user.id, actor: actor, ip: ip, in: r)
            try await RememberedDevices.revokeAll(userID: user.id, organizationID: user.organizationID, reason: "password_changed", actor: actor,
                                                  ip: ip, audit: audit, in: r)
        }
        context.notify(event == .passwordReset ? .passwordReset : .passwordChanged, userID: user.id)
    }

    private func organization(of user: User) async throws -> Organization {
        guard let organization = try await repositories.organizations.find(id: user.organizationID) else { throw RepositoryError.notFound }
        return organization
    }
}
