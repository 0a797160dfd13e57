import Foundation
import PortcullisCrypto

/// The checks every sign-in front shares (SPEC §2): password, second factor, lockout with escalation, per-IP throttle.
///
/// Each attempt is reserved in the database before the slow work (an Argon2 hash, a code check) by one conditional
/// statement, so however many requests arrive at once, on however many nodes, at most the policy's number of guesses
/// per counter is checked per lock period; the lock is checked again, atomically, at the moment of success. Every
/// password failure looks the same to the caller whatever its reason (unknown user, wrong password, locked or
/// disabled account) and costs one Argon2id hash; the reason goes only to the audit log.
public struct SignInService: Sendable {
    public let repositories: Repositories
    public let hasher: PasswordHasher
    public let methods: FactorMethods
    public let factorContext: FactorContext
    public let audit: AuditLog
    /// The server's policy (the per-IP throttle); each organization's own comes from `factorContext.applying`.
    public var policy: SecurityPolicy { factorContext.policy }
    var clock: any WallClock { factorContext.clock }

    public init(repositories: Repositories, hasher: PasswordHasher, methods: FactorMethods, factorContext: FactorContext, audit: AuditLog) {
        self.repositories = repositories
        self.hasher = hasher
        self.methods = methods
        self.factorContext = factorContext
        self.audit = audit
    }

    public enum PasswordOutcome: Sendable {
        case success(User)
        /// Wrong username or password, or a locked or disabled account: all answered alike.
        case failed
        /// Too many failures from this address; try again after the date.
        case throttled(until: Date)
    }

    /// What a user must do after the password (SPEC §2.3).
    public enum NextStep: Sendable, Equatable {
        /// Answer a challenge for this factor (the default one).
        case challenge(Factor)
        /// Enroll a factor first; `required` means there is no way around it.
        case enroll(required: Bool)
        /// Nothing more: MFA is not required and the user dismissed the invitation.
        case done
    }

    public enum FactorOutcome: Sendable, Equatable {
        case accepted(Factor)
        case rejected
        /// The account is locked (by this failure or earlier): the answer, right or wrong, is not looked at.
        case locked(until: Date)
    }

    static func ipKey(_ ip: String) -> String { "signin-failures:ip:\(ip)" }

    /// Backup codes left at which the user is told to make a new list.
    static let fewBackupCodes = 2

    // MARK: Password

    public func verifyPassword(organization: Organization, username: String, password: String, ip: String) async throws -> PasswordOutcome {
        try await verifyPassword(organization: organization, password: password, ip: ip) {
            try await repositories.users.find(organizationID: organization.id, typedUsername: username)
        }
    }

    /// The same with the user already looked up (nil: unknown), so a caller that needed the user before saves a query.
    public func verifyPassword(organization: Organization, user: User?, password: String, ip: String) async throws -> PasswordOutcome {
        try await verifyPassword(organization: organization, password: password, ip: ip) { user }
    }

    private func verifyPassword(organization: Organization, password: String, ip: String,
                                lookup: () async throws -> User?) async throws -> PasswordOutcome {
        let now = clock.now
        let policy = policy.applying(organization)
        // The address's slot is taken before anything else and given back only when the password was right.
        guard try await repositories.rateLimits.reserve(key: Self.ipKey(ip), limit: policy.ipFailureLimit, window: policy.ipWindow, now: now) else {
            try await audit.record(.ipThrottled, organizationID: organization.id, userID: nil, actor: .anonymous, reason: "ip_failure_limit", ip: ip)
            return .throttled(until: now.addingTimeInterval(policy.ipWindow))
        }
        let user = try await lookup()
        // The attempt is reserved before the hash. An unknown user runs the same statement (matching no row), so the
        // time taken does not tell them apart.
        let reservation = try await repositories.users.reserveAttempt(
            userID: user?.id ?? "unknown", kind: .password, limit: policy.lockoutThreshold, cap: policy.lockoutFailureCap, now: now)
        // Always one hash: a decoy when the user is unknown, and also when the attempt was refused.
        let passwordMatches = try await hasher.verify(password, against: user?.passwordHash)

        guard let user else {
            return try await failPassword(organization: organization, user: nil, reason: "unknown_user", ip: ip)
        }
        guard let reservation else {
            let reason = user.disabled ? "disabled" : (user.isLocked(at: now) ? "locked" : "attempts_in_flight")
            return try await failPassword(organization: organization, user: user, reason: reason, ip: ip)
        }
        guard passwordMatches else {
            try await lockIfDue(user, kind: .password, reservation: reservation, policy: policy, ip: ip)
            return try await failPassword(organization: organization, user: user, reason: "bad_password", ip: ip)
        }
        // The lock, checked again at the moment of success: another request may have locked the account meanwhile.
        guard try await repositories.users.passwordSucceeded(userID: user.id, now: clock.now) else {
            return try await failPassword(organization: organization, user: user, reason: "locked", ip: ip)
        }
        try await repositories.rateLimits.release(key: Self.ipKey(ip), window: policy.ipWindow, reservedAt: now)
        if let stored = user.passwordHash, hasher.needsRehash(stored) || !PasswordHasher.isNormalized(password) {
            try await repositories.users.setPasswordHash(userID: user.id, hash: try await hasher.hash(password))
        }
        return .success(user)
    }

    private func failPassword(organization: Organization, user: User?, reason: String, ip: String) async throws -> PasswordOutcome {
        try await audit.record(.signInFailed, organizationID: organization.id, userID: user?.id, actor: user.map { .user($0.id) } ?? .anonymous, reason: reason, ip: ip,
                               detail: .signIn(.init(stage: .password, username: user?.username)))
        return .failed
    }

    // MARK: After the password

    /// The user's confirmed factors, default first. Lent tokens that fell due are returned to the pool first, so
    /// they are never offered.
    public func confirmedFactors(userID: String) async throws -> [Factor] {
        try await TokenInventory(context: factorContext, audit: audit, methods: methods).returnDueLoans(userID: userID)
        let all = try await repositories.factors.list(userID: userID).filter { $0.confirmed && methods[$0.type] != nil }
        return all.sorted { a, b in a.isDefault && !b.isDefault }
    }

    /// The factor to challenge by default: the one marked default, else the first that may be a default, else any.
    public func defaultFactor(among factors: [Factor]) -> Factor? {
        methods.defaultFactor(among: factors)
    }

    /// After the password, under the user's organization's policy: the default factor's challenge; else enrollment,
    /// required when the user, one of their groups or the organization requires MFA.
    public func nextStep(for user: User) async throws -> NextStep {
        let context = try await factorContext.forOrganization(id: user.organizationID)
        let factors = try await confirmedFactors(userID: user.id)
        if let factor = context.methods.defaultFactor(among: factors) { return .challenge(factor) }
        if try await context.mfaRequirement(of: user).isRequired { return .enroll(required: true) }
        return user.mfaPromptDismissed ? .done : .enroll(required: false)
    }

    // MARK: Second factor

    /// Checks a challenge response for one of the user's confirmed factors. The attempt is reserved first and counts
    /// toward the lockout unless it turns out to be a valid code already used (a double submit or a replay), which is
    /// refused with its own audit reason and given back. On success every counter is reset, re-checking the lock at
    /// that moment; `signsIn` also records the sign-in time.
    public func verifyFactor(userID: String, factorID: String, response: FactorResponse, ip: String, signsIn: Bool = true) async throws -> FactorOutcome {
        guard let user = try await repositories.users.find(id: userID) else { return .rejected }
        let context = try await factorContext.forOrganization(id: user.organizationID)
        guard let reservation = try await reserveFactorAttempt(userID: userID, policy: context.policy) else {
            return try await refused(userID: userID, factorID: factorID, ip: ip)
        }
        let factor = try await repositories.factors.find(id: factorID, userID: userID)
        return try await check(response, user: user, factor: factor, reservation: reservation, context: context, ip: ip, signsIn: signsIn,
                               alsoOnSuccess: [])
    }

    /// The same with the user and factor already read (the verification API reads them with its transaction in one
    /// query): still the attempt reserved first, the code checked, the lock re-checked at success. `alsoOnSuccess`
    /// is written with the factor's success event in one go.
    public func verifyFactor(user: User, factor: Factor, response: FactorResponse, ip: String,
                             alsoOnSuccess: [AuditLog.Entry]) async throws -> FactorOutcome {
        guard factor.userID == user.id else { return .rejected }
        let context = try await factorContext.forOrganization(id: user.organizationID)
        guard let reservation = try await reserveFactorAttempt(userID: user.id, policy: context.policy) else {
            return try await refused(userID: user.id, factorID: factor.id, ip: ip)
        }
        return try await check(response, user: user, factor: factor, reservation: reservation, context: context, ip: ip, signsIn: true,
                               alsoOnSuccess: alsoOnSuccess)
    }

    private func reserveFactorAttempt(userID: String, policy: SecurityPolicy) async throws -> AttemptReservation? {
        try await repositories.users.reserveAttempt(userID: userID, kind: .factor, limit: policy.lockoutThreshold, cap: policy.lockoutFailureCap,
                                                    now: clock.now)
    }

    private func check(_ response: FactorResponse, user: User, factor: Factor?, reservation: AttemptReservation, context: FactorContext,
                       ip: String, signsIn: Bool, alsoOnSuccess: [AuditLog.Entry]) async throws -> FactorOutcome {
        let userID = user.id
        guard let factor, factor.confirmed, let method = methods[factor.type] else {
            return try await failFactor(user: user, factor: nil, reason: "unknown_factor", reservation: reservation, policy: context.policy, ip: ip)
        }
        let check: FactorCheck
        do {
            check = try await method.verify(response, factor: factor, context: context)
        } catch let error as FactorParametersError {
            // A stored factor that cannot be read is refused without counting against the user, and audited once.
            try await repositories.users.releaseAttempt(userID: userID, kind: .factor)
            try await audit.record(.factorFailed, organizationID: user.organizationID, userID: userID, actor: .user(userID),
                                   reason: "unreadable_factor", ip: ip, detail: .factor(.unreadable(factor, error)))
            return .rejected
        }
        switch check {
        case .accepted:
            guard try await repositories.users.succeed(userID: userID, at: clock.now, signedIn: signsIn) else {
                try await audit.record(.factorFailed, organizationID: user.organizationID, userID: userID, actor: .user(userID), reason: "locked", ip: ip,
                                       detail: .factor(.init(factor, stage: .factor)))
                return .locked(until: try await lockedUntil(userID: userID))
            }
            let succeeded = AuditLog.Entry(.factorSucceeded, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                                           ip: ip, detail: .factor(.init(factor)))
            try await audit.record([succeeded] + alsoOnSuccess)
            // A list of backup codes running out: the user is told while a few are left.
            if let remaining = try? await method.details(of: factor, context: context).remainingCodes, remaining <= Self.fewBackupCodes {
                context.notify(.backupCodesLow(remaining: remaining), userID: userID)
            }
            return .accepted(factor)
        case .rejected(let reason) where reason == FactorCheck.replayed:
            try await repositories.users.releaseAttempt(userID: userID, kind: .factor)
            try await audit.record(.factorFailed, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), reason: reason, ip: ip,
                                   detail: .factor(.init(factor, stage: .factor)))
            return .rejected
        case .rejected(let reason):
            return try await failFactor(user: user, factor: factor, reason: reason, reservation: reservation, policy: context.policy, ip: ip)
        }
    }

    /// No attempt could be reserved: the account is locked or disabled, or as many attempts as the limit are in
    /// flight. Nothing is checked.
    private func refused(userID: String, factorID: String, ip: String) async throws -> FactorOutcome {
        guard let user = try await repositories.users.find(id: userID) else { return .rejected }
        let locked = user.isLocked(at: clock.now) || user.disabled
        try await audit.record(.factorFailed, organizationID: user.organizationID, userID: userID, actor: .user(userID),
                               reason: user.disabled ? "disabled" : (locked ? "locked" : "attempts_in_flight"), ip: ip,
                               detail: .factor(.attempt(factorID: factorID)))
        return locked ? .locked(until: user.lockNeedsAdmin ? .distantFuture : user.lockedUntil ?? clock.now) : .rejected
    }

    private func failFactor(user: User, factor: Factor?, reason: String, reservation: AttemptReservation, policy: SecurityPolicy,
                            ip: String) async throws -> FactorOutcome {
        try await audit.record(.factorFailed, organizationID: user.organizationID, userID: user.id, actor: .user(user.id), reason: reason, ip: ip,
                               detail: .factor(.init(factor, stage: .factor)))
        if try await lockIfDue(user, kind: .factor, reservation: reservation, policy: policy, ip: ip) {
            return .locked(until: try await lockedUntil(userID: user.id))
        }
        return .rejected
    }

    /// A wrong answer outside the factor check (a challenge question in recovery): it counts toward the factor
    /// lockout like a wrong code, and may lock the account. Nothing is counted while the account is locked.
    public func countFailure(_ user: User, reason: String, ip: String) async throws {
        let context = try await factorContext.forOrganization(id: user.organizationID)
        guard let reservation = try await reserveFactorAttempt(userID: user.id, policy: context.policy) else { return }
        _ = try await failFactor(user: user, factor: nil, reason: reason, reservation: reservation, policy: context.policy, ip: ip)
    }

    // MARK: Lockout

    /// After a failure: locks the account when its counter (or the consecutive count) reached the limit. The lock is
    /// one conditional statement per lock level, so racing failures lock once and audit once. Each further lock lasts
    /// longer; at the consecutive-failure cap only an administrator lifts it. Returns whether the account is locked.
    @discardableResult
    private func lockIfDue(_ user: User, kind: FailureKind, reservation: AttemptReservation, policy: SecurityPolicy, ip: String) async throws -> Bool {
        let capReached = reservation.consecutive >= policy.lockoutFailureCap
        guard reservation.count >= policy.lockoutThreshold || capReached else { return false }
        let now = clock.now
        let until = capReached ? Date.distantFuture : now.addingTimeInterval(policy.lockDuration(level: reservation.lockLevel))
        if try await repositories.users.lock(userID: user.id, kind: kind, limit: policy.lockoutThreshold, cap: policy.lockoutFailureCap,
                                             level: reservation.lockLevel, until: until, needsAdmin: capReached, now: now) {
            // A half-finished sign-in of a locked account cannot go on.
            try await repositories.sessions.deleteAll(userID: user.id, stage: .secondFactor, exceptToken: nil)
            try await audit.record(.accountLocked, organizationID: user.organizationID, userID: user.id, actor: .system,
                                   reason: kind == .password ? "password_failures" : "factor_failures", ip: ip,
                                   detail: .locked(until: capReached ? nil : until, level: reservation.lockLevel + 1))
            factorContext.notify(.accountLocked, userID: user.id)
            return true
        }
        return try await repositories.users.find(id: user.id)?.isLocked(at: now) ?? false
    }

    private func lockedUntil(userID: String) async throws -> Date {
        guard let user = try await repositories.users.find(id: userID) else { return clock.now }
        return user.lockNeedsAdmin ? .distantFuture : user.lockedUntil ?? clock.now
    }
}
