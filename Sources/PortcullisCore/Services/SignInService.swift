import Foundation

/// The sign-in state machine's rules (SPEC §2): password check, lockout, per-IP throttle, factor checks.
///
/// Every failure looks the same to the caller whatever its reason (unknown user, wrong password, locked account), and
/// costs one Argon2id hash, so neither message nor timing tells whether an account exists or a password was right.
/// The reason goes only to the audit log.
public struct SignInService: Sendable {
    public let repositories: Repositories
    public let hasher: PasswordHasher
    public let methods: FactorMethods
    public let factorContext: FactorContext
    public let audit: AuditLog
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
        /// That failure locked the account (or it already was locked).
        case locked(until: Date)
    }

    // MARK: Password

    public func verifyPassword(organization: Organization, username: String, password: String, ip: String) async throws -> PasswordOutcome {
        let now = clock.now
        let ipKey = "signin-failures:ip:\(ip)"
        let window = windowStart(now)
        if try await repositories.rateLimits.count(key: ipKey, windowStart: window) >= policy.ipFailureLimit {
            try await audit.record(.ipThrottled, organizationID: organization.id, userID: nil, reason: "ip_failure_limit", ip: ip)
            return .throttled(until: window.addingTimeInterval(policy.ipWindow))
        }
        let normalized = User.normalize(username: username)
        let user = User.isValidUsername(normalized)
            ? try await repositories.users.find(organizationID: organization.id, username: normalized) : nil
        // Always one hash: a decoy when the user is unknown.
        let passwordMatches = try await hasher.verify(password, against: user?.passwordHash)

        guard let user else {
            // The same one-row counter update a wrong password costs, so the time taken does not tell them apart.
            _ = try await repositories.rateLimits.hit(key: "signin-failures:unknown-user:\(organization.id):\(normalized.prefix(64))", windowStart: window)
            return try await failPassword(organization: organization, user: nil, reason: "unknown_user", ip: ip, ipKey: ipKey, window: window)
        }
        if user.disabled {
            return try await failPassword(organization: organization, user: user, reason: "disabled", ip: ip, ipKey: ipKey, window: window)
        }
        if user.isLocked(at: now) {
            return try await failPassword(organization: organization, user: user, reason: "locked", ip: ip, ipKey: ipKey, window: window)
        }
        guard passwordMatches else {
            let failures = try await repositories.users.incrementFailures(userID: user.id, kind: .password)
            if failures >= policy.lockoutThreshold {
                try await lock(user, reason: "password_failures", ip: ip)
            }
            return try await failPassword(organization: organization, user: user, reason: "bad_password", ip: ip, ipKey: ipKey, window: window)
        }
        if user.failedPasswordAttempts > 0 {
            try await repositories.users.resetFailures(userID: user.id, kind: .password)
        }
        if let stored = user.passwordHash, hasher.needsRehash(stored) {
            try await repositories.users.setPasswordHash(userID: user.id, hash: try await hasher.hash(password))
        }
        return .success(user)
    }

    private func failPassword(organization: Organization, user: User?, reason: String, ip: String, ipKey: String, window: Date) async throws -> PasswordOutcome {
        _ = try await repositories.rateLimits.hit(key: ipKey, windowStart: window)
        try await audit.record(.signInFailed, organizationID: organization.id, userID: user?.id, reason: reason, ip: ip,
                               detail: user == nil ? ["stage": "password"] : ["stage": "password", "username": user!.username])
        return .failed
    }

    // MARK: After the password

    /// The user's confirmed factors, default first. Lent tokens that fell due are returned to the pool first, so
    /// they are never offered.
    public func confirmedFactors(userID: String) async throws -> [Factor] {
        try await TokenInventory(context: factorContext, audit: audit).returnDueLoans(userID: userID)
        let all = try await repositories.factors.list(userID: userID).filter { $0.confirmed && methods[$0.type] != nil }
        return all.sorted { a, b in a.isDefault && !b.isDefault }
    }

    /// The factor to challenge by default: the one marked default, else the first that may be a default, else any.
    public func defaultFactor(among factors: [Factor]) -> Factor? {
        factors.first { $0.isDefault } ?? factors.first { methods[$0.type]?.canBeDefault == true } ?? factors.first
    }

    public func nextStep(for user: User) async throws -> NextStep {
        let factors = try await confirmedFactors(userID: user.id)
        if let factor = defaultFactor(among: factors) { return .challenge(factor) }
        if user.mfaRequired { return .enroll(required: true) }
        return user.mfaPromptDismissed ? .done : .enroll(required: false)
    }

    // MARK: Second factor

    /// Checks a challenge response for one of the user's confirmed factors, counting failures toward the lockout.
    public func verifyFactor(userID: String, factorID: String, response: FactorResponse, ip: String) async throws -> FactorOutcome {
        guard let user = try await repositories.users.find(id: userID) else { return .rejected }
        if let until = user.lockedUntil, until > clock.now { return .locked(until: until) }
        guard let factor = try await repositories.factors.find(id: factorID, userID: userID), factor.confirmed,
              let method = methods[factor.type] else {
            return try await failFactor(user: user, factor: nil, reason: "unknown_factor", ip: ip)
        }
        switch try await method.verify(response, factor: factor, context: factorContext) {
        case .accepted:
            if user.failedFactorAttempts > 0 {
                try await repositories.users.resetFailures(userID: user.id, kind: .factor)
            }
            try await audit.record(.factorSucceeded, organizationID: user.organizationID, userID: user.id, ip: ip,
                                   detail: ["factor": factor.type.rawValue, "factor_id": factor.id])
            return .accepted(factor)
        case .rejected(let reason):
            return try await failFactor(user: user, factor: factor, reason: reason, ip: ip)
        }
    }

    private func failFactor(user: User, factor: Factor?, reason: String, ip: String) async throws -> FactorOutcome {
        var detail = ["stage": "factor"]
        if let factor { detail["factor"] = factor.type.rawValue; detail["factor_id"] = factor.id }
        try await audit.record(.factorFailed, organizationID: user.organizationID, userID: user.id, reason: reason, ip: ip, detail: detail)
        let failures = try await repositories.users.incrementFailures(userID: user.id, kind: .factor)
        if failures >= policy.lockoutThreshold {
            return .locked(until: try await lock(user, reason: "factor_failures", ip: ip))
        }
        return .rejected
    }

    @discardableResult
    private func lock(_ user: User, reason: String, ip: String) async throws -> Date {
        let until = clock.now.addingTimeInterval(policy.lockoutDuration)
        try await repositories.users.lock(userID: user.id, until: until)
        try await audit.record(.accountLocked, organizationID: user.organizationID, userID: user.id, reason: reason, ip: ip,
                               detail: ["until": ISO8601DateFormatter().string(from: until)])
        return until
    }

    /// Records a completed sign-in.
    public func recordSuccess(user: User, amr: [String], ip: String) async throws {
        try await repositories.users.recordSignIn(userID: user.id, at: clock.now)
        try await audit.record(.signInSucceeded, organizationID: user.organizationID, userID: user.id, ip: ip,
                               detail: ["amr": amr.joined(separator: " ")])
    }

    private func windowStart(_ now: Date) -> Date {
        let seconds = now.timeIntervalSince1970
        return Date(timeIntervalSince1970: seconds - seconds.truncatingRemainder(dividingBy: policy.ipWindow))
    }
}
