import Foundation

/// A one-time code sent by SMS or email for one factor (sign-in or enrollment). Only an Argon2id hash of the code is
/// stored; `attempts` counts tries of this code (at most 5), apart from the account's lockout counter.
public struct MessageChallenge: Sendable, Equatable {
    public var id: String
    public var userID: String
    public var factorID: String
    public var codeHash: [UInt8]
    public var salt: [UInt8]
    public var attempts: Int
    public var createdAt: Date
    public var expiresAt: Date
    public var consumedAt: Date?
    /// For inbound SMS confirmation: the code the user texts to the organization's number, and when that arrived.
    public var inboundCode: String?
    public var inboundConfirmedAt: Date?

    public init(id: String, userID: String, factorID: String, codeHash: [UInt8], salt: [UInt8], attempts: Int = 0,
                createdAt: Date, expiresAt: Date, consumedAt: Date? = nil, inboundCode: String? = nil, inboundConfirmedAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.factorID = factorID
        self.codeHash = codeHash
        self.salt = salt
        self.attempts = attempts
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.inboundCode = inboundCode
        self.inboundConfirmedAt = inboundConfirmedAt
    }
}
