import Foundation

/// The kinds of second factor (SPEC §3). Raw values are stored in the database and used in URLs.
public enum FactorType: String, Sendable, Codable, CaseIterable {
    case totp
    case hotp
    case sms
    case email
    case webauthn
    case pattern
    case backupCodes = "backup_codes"
}

/// How much a factor proves (SPEC §3.1).
public enum FactorStrength: String, Sendable, Codable {
    /// Something the user has: an authenticator app, a hardware token, a security key.
    case possession
    /// A code sent over SMS or email: weaker, but still something the user has access to.
    case outOfBand
    /// Something the user knows: a pattern or backup code list is still a secret, not a device.
    case knowledge
}

/// One factor a user holds (or is enrolling: `confirmed == false`).
public struct Factor: Sendable, Codable, Equatable {
    public var id: String
    public var userID: String
    public var type: FactorType
    public var label: String
    /// The secret sealed by `SecretBox` with the factor id as context; nil for factors without one.
    public var sealedSecret: Data?
    /// Non-secret settings (algorithm, digits, period, salts), stored as JSON.
    public var parameters: [String: String]
    /// TOTP: the last time step accepted (replay guard). HOTP: the next counter expected.
    public var counter: Int64?
    public var confirmed: Bool
    public var isDefault: Bool
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: String, userID: String, type: FactorType, label: String, sealedSecret: Data? = nil,
        parameters: [String: String] = [:], counter: Int64? = nil, confirmed: Bool = false, isDefault: Bool = false,
        createdAt: Date, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.type = type
        self.label = label
        self.sealedSecret = sealedSecret
        self.parameters = parameters
        self.counter = counter
        self.confirmed = confirmed
        self.isDefault = isDefault
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// The associated data a factor's secret is sealed with, so it opens only in its own row.
    public var secretContext: String { "factor:\(id)" }
}
