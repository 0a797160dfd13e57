import Foundation

/// Storage for organizations.
public protocol OrganizationRepository: Sendable {
    func insert(_ organization: Organization) async throws
    func find(id: String) async throws -> Organization?
    func find(slug: String) async throws -> Organization?
    func list() async throws -> [Organization]
    func updatePolicy(id: String, _ policy: OrganizationPolicy) async throws
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
    /// One page of an organization's users matching `query`, by username (keyset paging from `query.after`).
    func search(_ query: UserQuery) async throws -> [UserListing]
    /// Replaces the password hash (a re-hash with new parameters); nothing else changes.
    func setPasswordHash(userID: String, hash: String) async throws
    /// A new password: its hash, when it was set, and whether its user must change it at the next sign-in (an
    /// administrator's temporary password).
    func setPassword(userID: String, hash: String, changedAt: Date, mustChange: Bool) async throws
    func setMustChangePassword(userID: String, _ mustChange: Bool) async throws
    func updateProfile(userID: String, displayName: String, email: String?, phone: String?) async throws
    func setDisabled(userID: String, _ disabled: Bool) async throws
    /// Deletes the user with their factors, sessions and memberships; the audit trail stays.
    func delete(id: String) async throws
    /// An administrator's lock: lasts until an administrator lifts it.
    func lockByAdmin(userID: String) async throws
    func setMFARequired(userID: String, _ required: Bool) async throws
    func setMFAPromptDismissed(userID: String) async throws
    func setRoles(userID: String, isAdmin: Bool, isOperator: Bool) async throws
    /// Takes one attempt of `kind` before the slow check (Argon2, a code), counting it as a failure until told
    /// otherwise, in one conditional statement: refused (nil) when the account is disabled or locked at `now`, when
    /// `limit` attempts of that kind are already failed or in flight, or when `cap` consecutive failures are reached.
    func reserveAttempt(userID: String, kind: FailureKind, limit: Int, cap: Int, now: Date) async throws -> AttemptReservation?
    /// Gives back a reserved attempt that did not count (a replayed code).
    func releaseAttempt(userID: String, kind: FailureKind) async throws
    /// The password was right: clears the password counter and gives back this attempt's consecutive failure, unless
    /// the account was disabled or locked meanwhile (false).
    func passwordSucceeded(userID: String, now: Date) async throws -> Bool
    /// Locks after a failure, once per lock level: only when the counter of `kind` (or the consecutive count) has
    /// reached its limit and no other request has locked at this level since. Clears both counters; returns whether
    /// this call locked.
    func lock(userID: String, kind: FailureKind, limit: Int, cap: Int, level: Int, until: Date, needsAdmin: Bool, now: Date) async throws -> Bool
    /// A second factor (or a sign-in needing none) succeeded: every counter and the lock level back to zero, and with
    /// `signedIn` the sign-in time recorded, unless the account was disabled or locked meanwhile (false). This is the
    /// re-check of the lock at the moment of success.
    func succeed(userID: String, at: Date, signedIn: Bool) async throws -> Bool
    /// Lifts a lock (also one that needs an admin) and clears every counter.
    func unlock(userID: String) async throws
    /// Self-service: lifts a lock and clears every counter in one statement, unless the lock needs an administrator
    /// (false then, also when one is set meanwhile).
    func unlockUnlessAdministrator(userID: String) async throws -> Bool
}

extension UserRepository {
    /// A user by the name as typed at sign-in (trimmed and case-folded here); nil for a name that cannot be valid,
    /// without asking the database.
    public func find(organizationID: String, typedUsername: String) async throws -> User? {
        let normalized = User.normalize(username: typedUsername)
        guard User.isValidUsername(normalized) else { return nil }
        return try await find(organizationID: organizationID, username: normalized)
    }
}

/// What a reserved attempt found, counting itself.
public struct AttemptReservation: Sendable, Equatable {
    /// Failures of this kind in the current lock period, this attempt included.
    public var count: Int
    /// Failures since the last completed sign-in, this attempt included.
    public var consecutive: Int
    /// Lock periods so far.
    public var lockLevel: Int

    public init(count: Int, consecutive: Int, lockLevel: Int) {
        self.count = count
        self.consecutive = consecutive
        self.lockLevel = lockLevel
    }
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
    /// Sweeps enrollments started before `createdBefore` and never confirmed.
    func deleteUnconfirmed(createdBefore: Date) async throws
    /// Raises `counter` to `value` only if it is lower (or unset), recording `at` as the last use; false if another
    /// request got there first.
    func advanceCounter(id: String, to value: Int64, at: Date) async throws -> Bool
    func markUsed(id: String, at: Date) async throws
    /// Replaces the list of backup-code hashes of a factor (regenerating voids the old list).
    func replaceBackupCodes(factorID: String, hashes: [[UInt8]]) async throws
    /// The unused codes' (index, hash) pairs.
    func unusedBackupCodes(factorID: String) async throws -> [(index: Int, hash: [UInt8])]
    /// Every code of the list with whether it was used (so a used code is told apart from a wrong one).
    func backupCodes(factorID: String) async throws -> [(index: Int, hash: [UInt8], used: Bool)]
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
    /// Stores a new challenge in place of the factor's earlier one, in one conditional statement, only when that one
    /// was used or created at or before `cooldownSince` (the resend cooldown); false when it is still cooling down.
    func reserve(_ challenge: MessageChallenge, cooldownSince: Date) async throws -> Bool
    /// Drops a challenge whose code could not be sent.
    func delete(id: String) async throws
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
    /// Records a second factor answered now (a step-up).
    func setVerified(token: String, at: Date) async throws
    /// Stores (or with nil clears) the sealed flash for the session's next page.
    func setFlash(token: String, sealed: Data?) async throws
    func delete(token: String) async throws
    /// Ends a user's sessions: all of them, or those at `stage`, except the one with `exceptToken`.
    func deleteAll(userID: String, stage: SessionStage?, exceptToken: String?) async throws
    func deleteExpired(before: Date, idleSince: Date) async throws
}

/// Append-only audit log.
public protocol AuditRepository: Sendable {
    func append(_ event: AuditEvent) async throws
    /// Several events at once (one statement where the store can).
    func append(_ events: [AuditEvent]) async throws
    func list(organizationID: String?, userID: String?, limit: Int) async throws -> [AuditEvent]
    /// One keyset page of the events matching `q`, newest first (`created_at DESC, id DESC`), at most `q.limit`,
    /// starting after `q.after`.
    func query(_ q: AuditQuery) async throws -> [AuditEvent]
    /// Every event matching `q` (from `q.after` on), newest first, handed to `body` a keyset page of `batch` rows
    /// at a time, so that an export never holds the whole result.
    func stream(_ q: AuditQuery, batch: Int, _ body: ([AuditEvent]) async throws -> Void) async throws
    /// The names an audit page shows for the ids it holds, in one query each: usernames by user id and API key
    /// names by key id (ids no longer found are left out).
    func names(userIDs: Set<String>, apiKeyIDs: Set<String>) async throws -> AuditNames
}

extension AuditRepository {
    public func append(_ events: [AuditEvent]) async throws {
        for event in events { try await append(event) }
    }
}

/// Usernames and API key names for the people and keys audit events name.
public struct AuditNames: Sendable, Equatable {
    public var usernames: [String: String]
    public var apiKeyNames: [String: String]

    public init(usernames: [String: String] = [:], apiKeyNames: [String: String] = [:]) {
        self.usernames = usernames
        self.apiKeyNames = apiKeyNames
    }
}

/// Sliding-window limits shared by all nodes (per-IP failures, send limits). A slot is reserved before the work it
/// guards, in one conditional statement, so a burst never passes more than the limit; the window slides (the previous
/// fixed window's count weighs by how much of it still overlaps), so no double burst fits around a window's edge.
public protocol RateLimitRepository: Sendable {
    /// Takes one slot of `key` unless `limit` are already taken within the last `window` seconds; false when full.
    func reserve(key: String, limit: Int, window: TimeInterval, now: Date) async throws -> Bool
    /// Gives back a slot reserved at `reservedAt` (the work turned out not to count, e.g. a right password).
    func release(key: String, window: TimeInterval, reservedAt: Date) async throws
    /// The sliding estimate of slots taken within the last `window` seconds.
    func used(key: String, window: TimeInterval, now: Date) async throws -> Double
}

/// The browsers each user has signed in from (`SessionBrowser`), so that a sign-in from a new one can be told.
public protocol KnownBrowserRepository: Sendable {
    /// Records a sign-in of `userID` from the browser `browser.idHash`. True when the browser was new to the user:
    /// this call inserted it, so of many requests racing with one browser exactly one gets true. A known browser has
    /// its last sign-in moved instead.
    func recordSignIn(userID: String, browser: SessionBrowser, ip: String, at: Date) async throws -> Bool
    /// How many browsers the user has signed in from.
    func count(userID: String) async throws -> Int
    /// Forgets all but the user's `keep` most recently seen browsers.
    func prune(userID: String, keep: Int) async throws
}

/// Runs a change and its audit event in one database transaction.
public protocol UnitOfWork: Sendable {
    /// Runs `body` with repositories bound to one transaction; commits when it returns, rolls back when it throws.
    /// Only those repositories may be used inside, and no slow work (hashing, a provider call) belongs there: on
    /// SQLite the transaction holds the write lock.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (Repositories) async throws -> T) async throws -> T
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
    public var transactions: any VerificationTransactionRepository
    public var apiKeys: any APIKeyRepository
    public var groups: any GroupRepository
    public var recoveries: any RecoveryRepository
    public var challengeAnswers: any ChallengeAnswerRepository
    public var rememberedDevices: any RememberedDeviceRepository
    public var knownBrowsers: any KnownBrowserRepository
    public var unitOfWork: any UnitOfWork

    public init(organizations: any OrganizationRepository, users: any UserRepository, factors: any FactorRepository,
                sessions: any SessionRepository, audit: any AuditRepository, rateLimits: any RateLimitRepository,
                tokens: any TokenRepository, challenges: any MessageChallengeRepository, webAuthn: any WebAuthnRepository,
                transactions: any VerificationTransactionRepository, apiKeys: any APIKeyRepository, groups: any GroupRepository,
                recoveries: any RecoveryRepository, challengeAnswers: any ChallengeAnswerRepository,
                rememberedDevices: any RememberedDeviceRepository, knownBrowsers: any KnownBrowserRepository, unitOfWork: any UnitOfWork) {
        self.organizations = organizations
        self.users = users
        self.factors = factors
        self.sessions = sessions
        self.audit = audit
        self.rateLimits = rateLimits
        self.tokens = tokens
        self.challenges = challenges
        self.webAuthn = webAuthn
        self.transactions = transactions
        self.apiKeys = apiKeys
        self.groups = groups
        self.recoveries = recoveries
        self.challengeAnswers = challengeAnswers
        self.rememberedDevices = rememberedDevices
        self.knownBrowsers = knownBrowsers
        self.unitOfWork = unitOfWork
    }

    /// Runs `body` in one transaction (see `UnitOfWork`): a change and its audit event commit together or not at all.
    public func atomically<T: Sendable>(_ body: @escaping @Sendable (Repositories) async throws -> T) async throws -> T {
        try await unitOfWork.transaction(body)
    }
}

/// Errors every repository may throw.
public enum RepositoryError: DomainError, Equatable {
    /// A unique value (username, slug) is taken.
    case conflict(String)
    case notFound

    public var code: String {
        switch self {
        case .conflict: "storage.conflict"
        case .notFound: "storage.not_found"
        }
    }
    public var kind: ErrorKind {
        switch self {
        case .conflict: .conflict
        case .notFound: .notFound
        }
    }
}
