import Foundation
import PortcullisCrypto

/// Application keys for the verification API (SPEC §7): created, listed and revoked by an administrator, one
/// organization each. A key is `pck_<id>_<secret>`; the id finds the row, the secret is compared by its SHA-256 in
/// constant time.
public struct APIKeys: Sendable {
    let repositories: Repositories
    let clock: any WallClock
    let random: any RandomSource
    let audit: AuditLog

    public init(repositories: Repositories, clock: any WallClock, random: any RandomSource, audit: AuditLog) {
        self.repositories = repositories
        self.clock = clock
        self.random = random
        self.audit = audit
    }

    static let prefix = "pck_"

    /// Creates a key; the returned secret is shown once and never stored.
    public func create(organization: Organization, name: String, actor: AuditActor) async throws -> (key: APIKey, secret: String) {
        let id = random.identifier()
        let secret = random.token()
        let key = APIKey(id: id, organizationID: organization.id, name: String(name.prefix(64)), secretHash: Hex.sha256(secret),
                         createdAt: clock.now)
        try await repositories.atomically { [audit] r in
            try await r.apiKeys.insert(key)
            try await audit.record(.apiKeyCreated, organizationID: organization.id, userID: nil, actor: actor,
                                   detail: .apiKey(id: id, name: key.name), in: r)
        }
        return (key, Self.prefix + id + "_" + secret)
    }

    public func list(organization: Organization) async throws -> [APIKey] {
        try await repositories.apiKeys.list(organizationID: organization.id)
    }

    /// Revokes one of the organization's keys; false when there is no such live key.
    public func revoke(id: String, organization: Organization, actor: AuditActor) async throws -> Bool {
        let now = clock.now
        return try await repositories.atomically { [audit] r in
            guard let key = try await r.apiKeys.find(id: id), key.organizationID == organization.id,
                  try await r.apiKeys.revoke(id: id, at: now) else { return false }
            try await audit.record(.apiKeyRevoked, organizationID: organization.id, userID: nil, actor: actor, detail: .apiKey(id: id), in: r)
            return true
        }
    }

    /// The live key a caller presented (`Bearer pck_…` or the bare key), or nil.
    public func authenticate(_ presented: String) async throws -> APIKey? {
        try await authenticateWithOrganization(presented)?.key
    }

    /// The same with the key's organization, read in the same query (the verification API needs both on every call).
    public func authenticateWithOrganization(_ presented: String) async throws -> (key: APIKey, organization: Organization)? {
        var value = presented.trimmingCharacters(in: .whitespaces)
        if value.lowercased().hasPrefix("bearer ") { value = String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard value.hasPrefix(Self.prefix), value.count <= 200 else { return nil }
        let parts = value.dropFirst(Self.prefix.count).split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let (key, organization) = try await repositories.apiKeys.findWithOrganization(id: String(parts[0])),
              key.revokedAt == nil, constantTimeEquals(Hex.sha256(String(parts[1])), key.secretHash) else { return nil }
        return (key, organization)
    }
}
