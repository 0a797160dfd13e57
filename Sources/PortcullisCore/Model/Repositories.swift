import Foundation

/// Storage for organizations.
public protocol OrganizationRepository: Sendable {
    func insert(_ organization: Organization) async throws
    func find(id: String) async throws -> Organization?
    func find(slug: String) async throws -> Organization?
    func list() async throws -> [Organization]
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

/// Storage for browser sessions, keyed by the SHA-256 of their token.
public protocol SessionRepository: Sendable {
    func insert(_ session: Session) async throws
    func find(token: String) async throws -> Session?
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

    public init(organizations: any OrganizationRepository, users: any UserRepository, factors: any FactorRepository,
                sessions: any SessionRepository, audit: any AuditRepository, rateLimits: any RateLimitRepository) {
        self.organizations = organizations
        self.users = users
        self.factors = factors
        self.sessions = sessions
        self.audit = audit
        self.rateLimits = rateLimits
    }
}

/// Errors every repository may throw.
public enum RepositoryError: Error, Equatable {
    /// A unique value (username, slug) is taken.
    case conflict(String)
    case notFound
}
