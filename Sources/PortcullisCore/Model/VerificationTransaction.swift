import Foundation
import PortcullisCrypto

/// A challenge the verification API issued (SPEC §7): the password was right and a second factor is owed. Its id is
/// the 20-digit `transaction_id` the caller sends back with the code: single use, valid two minutes, for one user,
/// one factor and the API key that asked.
public struct VerificationTransaction: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var organizationID: String
    public var factorID: String
    public var apiKeyID: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(id: String, userID: String, organizationID: String, factorID: String, apiKeyID: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.userID = userID
        self.organizationID = organizationID
        self.factorID = factorID
        self.apiKeyID = apiKeyID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// How long a transaction stays open.
    public static let lifetime: TimeInterval = 120

    /// 20 random decimal digits (about 66 bits), the shape privacyIDEA's clients expect.
    public static func newID(random: any RandomSource) -> String {
        String((0..<20).map { _ in Character(String(random.uniform(10))) })
    }
}

/// Storage for verification API transactions.
public protocol VerificationTransactionRepository: Sendable {
    func insert(_ transaction: VerificationTransaction) async throws
    func find(id: String) async throws -> VerificationTransaction?
    /// A transaction with its user and factor, read in one query (the second leg's lookup); nil when any is missing.
    func findWithParticipants(id: String) async throws -> (transaction: VerificationTransaction, user: User, factor: Factor)?
    /// Takes a transaction out (single use); false if it was already taken or has expired.
    func take(id: String, at: Date) async throws -> Bool
    func deleteExpired(before: Date) async throws
}
