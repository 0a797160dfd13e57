import Foundation

/// What a self-service recovery from the sign-in page is for (SPEC §5).
public enum RecoveryPurpose: String, Sendable, Codable {
    /// "Forgot password": prove who you are, then set a new password.
    case reset
    /// "Unlock account": prove who you are, then the lock lifts (never one that needs an administrator).
    case unlock
}

/// One "Forgot password" or "Unlock account" in progress. It exists whether or not the username named an account
/// (`userID` nil), so that every step looks and takes the same; only one for a real account can ever succeed. The
/// browser holds a random token; the database holds its SHA-256 (`id`). It expires in minutes and completes once.
public struct RecoveryRequest: Sendable, Equatable {
    public var id: String
    public var organizationID: String
    public var userID: String?
    public var purpose: RecoveryPurpose
    /// The different factors proven so far.
    public var provenFactorIDs: [String]
    /// The challenge questions were answered (where the organization asks them).
    public var questionsAnswered: Bool
    /// Wrong answers in this request.
    public var failures: Int
    /// A keyed hash of organization and name, from which the security-key step shows the same stand-in credential
    /// every time that name is tried, when it is no account or one without a security key.
    public var decoy: String?
    public var createdAt: Date
    public var expiresAt: Date
    public var completedAt: Date?

    public init(id: String, organizationID: String, userID: String?, purpose: RecoveryPurpose, provenFactorIDs: [String] = [],
                questionsAnswered: Bool = false, failures: Int = 0, decoy: String? = nil, createdAt: Date, expiresAt: Date,
                completedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.userID = userID
        self.purpose = purpose
        self.provenFactorIDs = provenFactorIDs
        self.questionsAnswered = questionsAnswered
        self.failures = failures
        self.decoy = decoy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.completedAt = completedAt
    }
}

/// A user's answer to one challenge question: the question as shown, and an Argon2id hash of the normalized answer.
public struct ChallengeAnswer: Sendable, Equatable {
    public var position: Int
    public var question: String
    public var answerHash: String

    public init(position: Int, question: String, answerHash: String) {
        self.position = position
        self.question = question
        self.answerHash = answerHash
    }
}

/// Storage for recoveries in progress. Proofs, failures and completion are conditional updates, so that racing
/// requests with one token never complete twice or pass more wrong answers than the limit.
public protocol RecoveryRepository: Sendable {
    func insert(_ request: RecoveryRequest) async throws
    /// The request with this id (the token's hash), live or not.
    func find(id: String) async throws -> RecoveryRequest?
    /// Adds a proven factor (once), unless the request expired or completed; false then.
    func addProof(id: String, factorID: String, now: Date) async throws -> Bool
    func setQuestionsAnswered(id: String) async throws
    /// Counts a wrong answer; the new count, or nil when `limit` were already counted or the request is over.
    func countFailure(id: String, limit: Int, now: Date) async throws -> Int?
    /// Marks the request completed; false if it already was, or expired (a token works once).
    func complete(id: String, now: Date) async throws -> Bool
    func deleteExpired(before: Date) async throws
}

/// Storage for users' challenge questions (replaced as a whole).
public protocol ChallengeAnswerRepository: Sendable {
    func list(userID: String) async throws -> [ChallengeAnswer]
    func replace(userID: String, with answers: [ChallengeAnswer], at: Date) async throws
}
