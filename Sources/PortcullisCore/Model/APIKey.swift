import Foundation

/// What an API key may call. The scope shows in the key itself: a verification key is `pck_<id>_<secret>`, an admin
/// key `pca_<id>_<secret>`, and a key presented to the other API is refused before any lookup.
public enum APIKeyScope: String, Sendable, Codable, CaseIterable {
    /// The verification API (`/validate`, SPEC §7): one organization's applications checking passwords and codes.
    case verification
    /// The admin REST API (`/api/v1`, SPEC §4.5): one organization's administration, or every organization's.
    case admin

    /// How a key of this scope starts.
    public var prefix: String {
        switch self {
        case .verification: "pck_"
        case .admin: "pca_"
        }
    }
}

/// A key for the verification API (always one organization's) or the admin API (one organization's, or
/// operator-wide: every organization and the spare-token pool, with no organization). The secret is shown once at
/// creation; only its SHA-256 is stored (it is 256 random bits, so a slow hash adds nothing).
public struct APIKey: Sendable, Equatable {
    public var id: String
    /// nil: an operator-wide admin key.
    public var organizationID: String?
    public var name: String
    public var secretHash: String
    public var scope: APIKeyScope
    public var createdAt: Date
    public var revokedAt: Date?
    /// When the key was last presented, to the minute: written at most once a minute per key.
    public var lastUsedAt: Date?

    public init(id: String, organizationID: String?, name: String, secretHash: String, scope: APIKeyScope = .verification,
                createdAt: Date, revokedAt: Date? = nil, lastUsedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.secretHash = secretHash
        self.scope = scope
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// An admin key for every organization and the spare-token pool.
    public var isOperatorWide: Bool { organizationID == nil }
}

/// Storage for API keys.
public protocol APIKeyRepository: Sendable {
    func insert(_ key: APIKey) async throws
    func find(id: String) async throws -> APIKey?
    /// A key with its organization (nil for an operator-wide key), read in one query.
    func findWithOrganization(id: String) async throws -> (key: APIKey, organization: Organization?)?
    /// An organization's keys of both scopes, oldest first; with nil, the operator-wide keys.
    func list(organizationID: String?) async throws -> [APIKey]
    /// Revokes a live key; false if there was none.
    func revoke(id: String, at: Date) async throws -> Bool
    /// Records a use at `at` unless one at or after `notBefore` is already recorded (one conditional UPDATE, so nodes
    /// racing on the same key write once); false when nothing was written.
    func recordUse(id: String, at: Date, notBefore: Date) async throws -> Bool
}
