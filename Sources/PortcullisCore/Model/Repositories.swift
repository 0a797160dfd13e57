import Foundation

/// Storage for organizations.
public protocol OrganizationRepository: Sendable {
    func insert(_ organization: Organization) async throws
    func find(id: String) async throws -> Organization?
    func find(slug: String) async throws -> Organization?
    func list() async throws -> [Organization]
    func updateSettings(id: String, _ settings: OrganizationSettings) async throws
}

/// Which failure counter an attempt goes to; passwords and factors are counted apart (SPEC §2.4).
public enum FailureKind: String, Sendable {
    case password
    case factor
}

/// Storage for users, including the lockout counters, which are updated atomically in the database so that every
/// server node sees the same count.
public protocol UserRepository: Sendable {
    func insert(_ user: User) async throws
    func find(id: String) async throws -> User?
    func find(organizationID: String, username: String) async throws -> User?
    func list(organizationID: String) async throws -> [User]
    func setPasswordHash(userID: String, hash: String) async throws
    func setMFARequired(userID: String, _ required: Bool) async throws
    func setMFAPromptDismissed(userID: String) async throws
    func setRoles(userID: String, isAdmin: Bool, isOperator: Bool) async throws
    func recordSignIn(userID: String, at: Date) async throws
    /// Adds one failure and returns the new count.
    func incrementFailures(userID: String, kind: FailureKind) async throws -> Int
    func resetFailures(userID: String, kind: FailureKind) async throws
    /// Locks until `until` and clears both counters.
    func lock(userID: String, until: Date) async throws
    /// Lifts a lock and clears both counters.
    func unlock(userID: String) async throws
}

/// Storage for factors. Single-use state (OTP steps and counters, backup codes) is consumed with conditional
/// updates, so that two nodes can never both accept the same code.
public protocol FactorRepository: Sendable {
    func insert(_ factor: Factor) async throws
    func find(id: String, userID: String) async throws -> Factor?
    /// All of a user's factors, confirmed or not, oldest first.
    func list(userID: String) async throws -> [Factor]
    func confirm(id: String, userID: String, at: Date) async throws
    func rename(id: String, userID: String, label: String) async throws
    /// Makes one factor the default and clears the flag on the others.
    func setDefault(id: String, userID: String) async throws
    func delete(id: String, userID: String) async throws
    /// Drops enrollments that were started but never confirmed.
    func deleteUnconfirmed(userID: String, type: FactorType) async throws
    /// Raises `counter` to `value` only if it is lower (or unset), recording `at` as the last use; false if another
    /// request got there first.
    func advanceCounter(id: String, to value: Int64, at: Date) async throws -> Bool
    func markUsed(id: String, at: Date) async throws
    /// Replaces the list of backup-code hashes of a factor (regenerating voids the old list).
    func replaceBackupCodes(factorID: String, hashes: [[UInt8]]) async throws
    /// The unused codes' (index, hash) pairs.
    func unusedBackupCodes(factorID: String) async throws -> [(index: Int, hash: [UInt8])]
    /// Marks one code used; false if it already was.
    func consumeBackupCode(factorID: String, index: Int, at: Date) async throws -> Bool
}

/// The hardware token inventory. Assignment and counter changes are conditional updates, so two admins or two nodes
/// never both win.
public protocol TokenRepository: Sendable {
    /// Inserts all or none; throws `RepositoryError.conflict` naming the first serial already present.
    func insert(_ tokens: [HardwareToken]) async throws
    func find(id: String) async throws -> HardwareToken?
    func find(serial: String) async throws -> HardwareToken?
    /// An organization's tokens, or the spare pool's (`organizationID == nil`).
    func list(organizationID: String?) async throws -> [HardwareToken]
    func list(userID: String) async throws -> [HardwareToken]
    /// Hands an unassigned token to a user (lent when `until` is set); false if it was not unassigned.
    func assign(id: String, userID: String, until: Date?) async throws -> Bool
    /// Returns a token to the inventory (state unassigned, no holder).
    func unassign(id: String) async throws
    func setDisabled(id: String, _ disabled: Bool) async throws
    /// Sets the counter to `value` only if it is lower, recording the use; false if another request got there first.
    func advanceCounter(id: String, to value: Int64, at: Date) async throws -> Bool
    /// Lent tokens due back at `now` (optionally one user's), to be returned to the pool.
    func dueLoans(at now: Date, userID: String?) async throws -> [HardwareToken]
}

/// One-time codes sent by SMS and email.
public protocol MessageChallengeRepository: Sendable {
    /// Stores a new challenge, replacing any earlier one for the same factor.
    func replace(_ challenge: MessageChallenge) async throws
    /// The latest challenge for a factor, consumed or not.
    func latest(factorID: String) async throws -> MessageChallenge?
    /// Counts one try of a code; returns the new count, or nil if `limit` tries were already used.
    func countAttempt(id: String, limit: Int) async throws -> Int?
    /// Marks a challenge used; false if it already was.
    func consume(id: String, at: Date) async throws -> Bool
    /// Inbound SMS: the live (unexpired, unused) challenge with this inbound code.
    func findInbound(code: String, at: Date) async throws -> MessageChallenge?
    func markInboundConfirmed(id: String, at: Date) async throws
    func deleteExpired(before: Date) async throws
}

/// Storage for browser sessions, keyed by the SHA-256 of their token.
public protocol SessionRepository: Sendable {
    func insert(_ session: Session) async throws
    /// The session for a token, with its user.
    func find(token: String) async throws -> (session: Session, user: User)?
    func touch(token: String, at: Date) async throws
    func delete(token: String) async throws
    func deleteAll(userID: String) async throws
    func deleteExpired(before: Date, idleSince: Date) async throws
}

/// Append-only audit log.
public protocol AuditRepository: Sendable {
    func append(_ event: AuditEvent) async throws
    func list(organizationID: String?, userID: String?, limit: Int) async throws -> [AuditEvent]
}

/// Fixed-window counters shared by all nodes (per-IP throttling, later send limits).
public protocol RateLimitRepository: Sendable {
    /// Adds one hit to `key` in the window starting at `windowStart` and returns the count in that window.
    func hit(key: String, windowStart: Date) async throws -> Int
    func count(key: String, windowStart: Date) async throws -> Int
}

/// All repositories, as one value to pass around.
public struct Repositories: Sendable {
    public var organizations: any OrganizationRepository
    public var users: any UserRepository
    public var factors: any FactorRepository
    public var sessions: any SessionRepository
    public var audit: any AuditRepository
    public var rateLimits: any RateLimitRepository
    public var tokens: any TokenRepository
    public var challenges: any MessageChallengeRepository
    public var webAuthn: any WebAuthnRepository

    public init(organizations: any OrganizationRepository, users: any UserRepository, factors: any FactorRepository,
                sessions: any SessionRepository, audit: any AuditRepository, rateLimits: any RateLimitRepository,
                tokens: any TokenRepository, challenges: any MessageChallengeRepository, webAuthn: any WebAuthnRepository) {
        self.organizations = organizations
        self.users = users
        self.factors = factors
        self.sessions = sessions
        self.audit = audit
        self.rateLimits = rateLimits
        self.tokens = tokens
        self.challenges = challenges
        self.webAuthn = webAuthn
    }
}

/// Errors every repository may throw.
public enum RepositoryError: Error, Equatable {
    /// A unique value (username, slug) is taken.
    case conflict(String)
    case notFound
}
