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

/// Per-organization settings that have no policy page yet, stored as JSON on the organization.
public struct OrganizationSettings: Sendable, Codable, Equatable {
    /// IANA time zone; lent tokens are due back at the end of the day here.
    public var timeZone: String = "UTC"
    /// Inbound SMS confirmation (SPEC §3): users may text a shown code to this number instead of typing one.
    public var inboundSMSEnabled: Bool = false
    public var inboundSMSNumber: String?
    /// Email domains that may not be used for the email factor (the firm's own mail, which an attacker with the
    /// password might also read).
    public var blockedEmailDomains: [String] = []
    /// "Sign in with a passkey" on this organization's sign-in page (when the server allows passkey sign-in at all).
    public var passkeysAllowed: Bool = true

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC"
        inboundSMSEnabled = try c.decodeIfPresent(Bool.self, forKey: .inboundSMSEnabled) ?? false
        inboundSMSNumber = try c.decodeIfPresent(String.self, forKey: .inboundSMSNumber)
        blockedEmailDomains = try c.decodeIfPresent([String].self, forKey: .blockedEmailDomains) ?? []
        passkeysAllowed = try c.decodeIfPresent(Bool.self, forKey: .passkeysAllowed) ?? true
    }

    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// Whether users may confirm an SMS sign-in by texting the code back: switched on, with a number to text.
    public var inboundSMSActive: Bool { inboundSMSEnabled && inboundSMSNumber != nil }

    /// The settings that differ in `other`, by their stored names (for the audit log; values are not recorded).
    public func changedKeys(to other: OrganizationSettings) -> [String] {
        var changed: [String] = []
        if timeZone != other.timeZone { changed.append("timeZone") }
        if inboundSMSEnabled != other.inboundSMSEnabled { changed.append("inboundSMSEnabled") }
        if inboundSMSNumber != other.inboundSMSNumber { changed.append("inboundSMSNumber") }
        if blockedEmailDomains != other.blockedEmailDomains { changed.append("blockedEmailDomains") }
        if passkeysAllowed != other.passkeysAllowed { changed.append("passkeysAllowed") }
        return changed
    }
}
