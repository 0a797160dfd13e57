import Foundation
import PortcullisCrypto

/// "Forgot password" and "Unlock account" from the sign-in page (SPEC §5). The user names their account; whatever the
/// name, the answer and its work are the same (a request is stored either way, one for no account can never
/// succeed). They then prove who they are with their own confirmed factors — as many different ones as the policy
/// asks — and the organization's challenge questions where it turned them on, and either set a new password or only
/// unlock. A reset never signs in (the second factor is still asked at the next sign-in), never lifts a lock that
/// needs an administrator, and ends every session and remembered device.
///
/// Failed proofs do not count toward the account's lockout (anyone who knows a username could otherwise lock it):
/// they count per request (at most `failureLimit`), per account (the lockout's threshold per lockout period) and per
/// address, each reserved before the check. Wrong challenge answers, asked only after a factor was proven, also
/// count toward the account's lockout.
public struct AccountRecovery: Sendable {
    let repositories: Repositories
    let context: FactorContext
    let methods: FactorMethods
    let audit: AuditLog
    let passwords: PasswordService
    let questions: ChallengeQuestions
    let messageCodes: MessageCodeService
    let checks: SignInService
    var clock: any WallClock { context.clock }

    /// How long a recovery lasts, and how many wrong answers one may give.
    public static let lifetime: TimeInterval = 15 * 60
    public static let failureLimit = 5

    public init(repositories: Repositories, context: FactorContext, methods: FactorMethods, audit: AuditLog, passwords: PasswordService,
                questions: ChallengeQuestions, messageCodes: MessageCodeService, checks: SignInService) {
        self.repositories = repositories
        self.context = context
        self.methods = methods
        self.audit = audit
        self.passwords = passwords
        self.questions = questions
        self.messageCodes = messageCodes
        self.checks = checks
    }

    // MARK: Start

    public enum StartResult: Sendable, Equatable {
        /// The browser keeps `token` (a cookie) for the next steps.
        case started(token: String)
        /// Too many recoveries from this address; try again after the date.
        case throttled(until: Date)
        /// The organization turned this kind of recovery off.
        case turnedOff
    }

    /// Starts a recovery for the account named `username`, whether or not there is one.
    public func start(organization: Organization, username: String, purpose: RecoveryPurpose, ip: String) async throws -> StartResult {
        let policy = context.policy.applying(organization)
        guard purpose == .reset ? policy.recovery.passwordReset : policy.recovery.unlock else { return .turnedOff }
        let now = clock.now
        // Every start counts (it stores a request, and most of a sprayer's name no account): three times the address's
        // budget of failed sign-ins, in the same window.
        guard try await repositories.rateLimits.reserve(key: "recovery:ip:\(ip)", limit: policy.ipFailureLimit * 3, window: policy.ipWindow,
                                                        now: now) else {
            try await audit.record(.ipThrottled, organizationID: organization.id, userID: nil, actor: .anonymous, reason: "recovery_ip_limit", ip: ip)
            return .throttled(until: now.addingTimeInterval(policy.ipWindow))
        }
        let user = try await repositories.users.find(organizationID: organization.id, typedUsername: username)
        let usable = user.flatMap { $0.disabled ? nil : $0 }
        let token = context.random.token()
        let decoy = Base64URL.encode(context.secrets.tag(organization.id + ":" + User.normalize(username: username), purpose: "recovery-decoy"))
        try await repositories.recoveries.insert(RecoveryRequest(id: Hex.sha256(token), organizationID: organization.id, userID: usable?.id,
                                                                 purpose: purpose, decoy: decoy, createdAt: now,
                                                                 expiresAt: now.addingTimeInterval(Self.lifetime)))
        // The typed name is never recorded for no account: it may be a password typed into the wrong field.
        try await audit.record(.recoveryStarted, organizationID: organization.id, userID: usable?.id, actor: usable.map { .user($0.id) } ?? .anonymous,
                               reason: usable == nil ? (user == nil ? "unknown_user" : "disabled") : nil, ip: ip,
                               detail: .recovery(purpose: purpose))
        return .started(token: token)
    }

    // MARK: Where it stands

    /// A live recovery as its pages show it. Nothing here tells whether the name was an account until a factor was
    /// proven (only then are the questions known).
    public struct Progress: Sendable, Equatable {
        public var purpose: RecoveryPurpose
        public var organizationID: String
        /// Different factors proven, and how many the policy asks for.
        public var proven: Int
        public var needed: Int
        /// The user's challenge questions, once the factors are proven and when the organization asks them.
        public var questions: [String]?
        /// Everything is proven: the new password (reset) or the unlock may follow.
        public var ready: Bool
    }

    public func progress(token: String) async throws -> Progress? {
        guard let request = try await live(token) else { return nil }
        let policy = try await context.forOrganization(id: request.organizationID).policy
        let needed = policy.recovery.factorsRequired
        let factorsDone = request.userID != nil && request.provenFactorIDs.count >= needed
        var asked: [String]?
        if factorsDone, let userID = request.userID, policy.challengeQuestions.enabled, !request.questionsAnswered {
            let stored = try await repositories.challengeAnswers.list(userID: userID)
            if !stored.isEmpty { asked = stored.map(\.question) }
        }
        return Progress(purpose: request.purpose, organizationID: request.organizationID, proven: request.provenFactorIDs.count, needed: needed,
                        questions: asked, ready: factorsDone && asked == nil)
    }

    /// The kinds of factor the organization allows, in the policy page's order: the same list for every name.
    public func offeredTypes(organizationID: String) async throws -> [FactorType] {
        let allowed = try await context.forOrganization(id: organizationID).methods
        return methods.types.filter(allowed.allowsEnrollment)
    }

    // MARK: Proofs

    /// The request's id and account, for the security-key step's options (the same whether or not there is an
    /// account: a stand-in credential from `decoy` otherwise).
    public func securityKeyTarget(token: String) async throws -> (binding: String, userID: String?, decoy: String?, organizationID: String)? {
        guard let request = try await live(token) else { return nil }
        return ("recovery:" + request.id, request.userID, request.decoy, request.organizationID)
    }

    /// Sends a code over `channel` to each of the account's confirmed factors of that kind, if there is an account
    /// and it has one; the caller answers alike either way ("if your account has…").
    public func sendCode(token: String, channel: MessageChannel, ip: String) async throws {
        guard let request = try await live(token), let userID = request.userID,
              let user = try await repositories.users.find(id: userID),
              let organization = try await repositories.organizations.find(id: request.organizationID) else { return }
        for factor in try await candidates(userID: userID, request: request) {
            guard let method = methods[factor.type] as? any MessageCodeFactor, method.channel == channel else { continue }
            _ = try await messageCodes.send(factor: factor, user: user, organization: organization, purpose: .signIn, ip: ip)
        }
    }

    public enum ProofResult: Sendable, Equatable {
        case accepted
        case rejected
        /// Too many wrong answers (in this request, for this account or from this address): start again later.
        case blocked
        /// The request expired, completed, or never was.
        case expired
    }

    /// Checks an answer for one of the account's confirmed factors of `type` not proven yet.
    public func prove(token: String, type: FactorType, response: FactorResponse, ip: String) async throws -> ProofResult {
        guard let request = try await live(token) else { return .expired }
        let policy = try await context.forOrganization(id: request.organizationID).policy
        let now = clock.now
        let limiterKey = "recovery:user:" + (request.userID ?? "none:" + request.id)
        guard try await repositories.rateLimits.reserve(key: limiterKey, limit: policy.lockoutThreshold, window: policy.lockoutDuration, now: now) else {
            try await audit.record(.recoveryFailed, organizationID: request.organizationID, userID: request.userID,
                                   actor: request.userID.map { .user($0) } ?? .anonymous, reason: "account_limit", ip: ip,
                                   detail: .recovery(purpose: request.purpose, factorType: type))
            return .blocked
        }
        let organizationContext = try await context.forOrganization(id: request.organizationID)
        var tried = false
        for factor in try await candidates(userID: request.userID, request: request) where factor.type == type {
            guard let method = methods[factor.type] else { continue }
            tried = true
            guard case .accepted = (try? await method.verify(response, factor: factor, context: organizationContext)) ?? .rejected(reason: "unreadable") else {
                continue
            }
            guard try await repositories.recoveries.addProof(id: request.id, factorID: factor.id, now: clock.now) else { return .expired }
            try await repositories.factors.markUsed(id: factor.id, at: clock.now)
            try await repositories.rateLimits.release(key: limiterKey, window: policy.lockoutDuration, reservedAt: now)
            try await audit.record(.recoveryProven, organizationID: request.organizationID, userID: request.userID,
                                   actor: .user(factor.userID), ip: ip, detail: .recovery(purpose: request.purpose, factorType: type))
            return .accepted
        }
        // A grid pattern is checked against an Argon2 hash: with nothing to check, the same work is done on a decoy.
        if !tried, type == .pattern { _ = try await context.hasher.verify("decoy", against: nil) }
        return try await failed(request, reason: "wrong_answer", type: type, ip: ip)
    }

    /// The challenge questions, all answered right (normalized, as set). A wrong answer counts toward the lockout.
    public func answerQuestions(token: String, answers: [String], ip: String) async throws -> ProofResult {
        guard let request = try await live(token), let userID = request.userID,
              let progress = try await progress(token: token), progress.questions != nil,
              let user = try await repositories.users.find(id: userID) else { return .expired }
        if try await questions.verify(user: user, answers: answers) {
            try await repositories.recoveries.setQuestionsAnswered(id: request.id)
            try await audit.record(.recoveryProven, organizationID: request.organizationID, userID: userID, actor: .user(userID), reason: "questions",
                                   ip: ip, detail: .recovery(purpose: request.purpose))
            return .accepted
        }
        try await checks.countFailure(user, reason: "wrong_challenge_answer", ip: ip)
        return try await failed(request, reason: "wrong_challenge_answer", type: nil, ip: ip)
    }

    private func failed(_ request: RecoveryRequest, reason: String, type: FactorType?, ip: String) async throws -> ProofResult {
        let count = try await repositories.recoveries.countFailure(id: request.id, limit: Self.failureLimit, now: clock.now)
        try await audit.record(.recoveryFailed, organizationID: request.organizationID, userID: request.userID,
                               actor: request.userID.map { .user($0) } ?? .anonymous, reason: count == nil ? "request_limit" : reason, ip: ip,
                               detail: .recovery(purpose: request.purpose, factorType: type))
        return count == nil || count == Self.failureLimit ? .blocked : .rejected
    }

    /// The account's confirmed factors not proven yet in this request.
    private func candidates(userID: String?, request: RecoveryRequest) async throws -> [Factor] {
        guard let userID else { return [] }
        return try await checks.confirmedFactors(userID: userID).filter { !request.provenFactorIDs.contains($0.id) }
    }

    // MARK: Finish

    public enum FinishResult: Sendable, Equatable {
        case done
        case refused(PasswordVerdict)
        /// The lock reached the escalation cap: only an administrator lifts it.
        case needsAdministrator
        /// Not everything is proven yet.
        case notReady
        case expired
    }

    /// "Forgot password": the new password, under the policy. Every session and remembered device ends; a lock
    /// lifts unless it needs an administrator. Nothing signs in.
    public func resetPassword(token: String, new: String, ip: String) async throws -> FinishResult {
        guard let (request, user) = try await ready(token) else { return try await live(token) == nil ? .expired : .notReady }
        let verdict = try await passwords.check(new, for: user)
        guard verdict.isAcceptable else { return .refused(verdict) }
        guard try await repositories.recoveries.complete(id: request.id, now: clock.now) else { return .expired }
        try await passwords.store(new, for: user, keeping: nil, actor: .user(user.id), ip: ip, event: .passwordReset)
        if try await repositories.users.unlockUnlessAdministrator(userID: user.id), user.isLocked(at: clock.now) {
            try await audit.record(.accountUnlocked, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                                   reason: "self_service_reset", ip: ip)
        }
        return .done
    }

    /// "Unlock account": the lock lifts (with every counter), unless it needs an administrator. Sessions end.
    public func unlock(token: String, ip: String) async throws -> FinishResult {
        guard let (request, user) = try await ready(token) else { return try await live(token) == nil ? .expired : .notReady }
        if user.lockNeedsAdmin {
            try await audit.record(.recoveryRefused, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                                   reason: "needs_administrator", ip: ip, detail: .recovery(purpose: .unlock))
            return .needsAdministrator
        }
        guard try await repositories.recoveries.complete(id: request.id, now: clock.now) else { return .expired }
        guard try await repositories.users.unlockUnlessAdministrator(userID: user.id) else { return .needsAdministrator }
        try await repositories.atomically { [audit] r in
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.accountUnlocked, organizationID: user.organizationID, userID: user.id, actor: .user(user.id),
                                   reason: "self_service", ip: ip, in: r)
        }
        return .done
    }

    /// The account, once everything is proven (for the new password's rules); nil before.
    public func provenAccount(token: String) async throws -> User? {
        try await ready(token)?.1
    }

    private func ready(_ token: String) async throws -> (RecoveryRequest, User)? {
        guard let request = try await live(token), let userID = request.userID, try await progress(token: token)?.ready == true,
              let user = try await repositories.users.find(id: userID), !user.disabled else { return nil }
        return (request, user)
    }

    private func live(_ token: String) async throws -> RecoveryRequest? {
        guard (40...64).contains(token.count), let request = try await repositories.recoveries.find(id: Hex.sha256(token)),
              request.completedAt == nil, request.expiresAt > clock.now else { return nil }
        return request
    }
}
