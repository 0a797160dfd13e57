import Foundation
import PortcullisCrypto

/// Where a hardware token is in its life (SPEC §4.3).
public enum TokenState: String, Sendable, Codable, CaseIterable {
    /// In the inventory (an organization's, or the operator's spare pool), nobody holds it.
    case unassigned
    /// Handed to a user for good.
    case assigned
    /// Lent to a user until `lentUntil`; afterwards it stops working for them and returns to the pool by itself.
    case lent
    /// Taken out of service.
    case disabled
}

/// A physical HOTP token from a vendor's seed file. The seed is sealed at rest; `counter` is the next moving factor
/// the token is expected to show, advanced atomically in the database.
public struct HardwareToken: Sendable, Equatable {
    public var id: String
    /// nil: the operator's spare pool, lendable to any organization's users.
    public var organizationID: String?
    public var serial: String
    public var sealedSeed: Data
    public var algorithm: OTPAlgorithm
    public var digits: Int
    public var counter: Int64
    public var state: TokenState
    public var userID: String?
    public var lentUntil: Date?
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(id: String, organizationID: String?, serial: String, sealedSeed: Data, algorithm: OTPAlgorithm, digits: Int,
                counter: Int64, state: TokenState = .unassigned, userID: String? = nil, lentUntil: Date? = nil,
                createdAt: Date, lastUsedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.serial = serial
        self.sealedSeed = sealedSeed
        self.algorithm = algorithm
        self.digits = digits
        self.counter = counter
        self.state = state
        self.userID = userID
        self.lentUntil = lentUntil
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    /// The associated data the seed is sealed with, so it opens only in its own row.
    public var seedContext: String { "token:\(id)" }

    /// Whether the token works for its holder at `now` (assigned, or lent and not yet due back).
    public func isUsable(at now: Date) -> Bool {
        switch state {
        case .assigned: return userID != nil
        case .lent: return userID != nil && (lentUntil.map { $0 > now } ?? false)
        case .unassigned, .disabled: return false
        }
    }
}
