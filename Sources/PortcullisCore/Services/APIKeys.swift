import Foundation
import PortcullisCrypto

/// API keys, created, listed and revoked by an administrator or on the command line: verification API keys
/// (`pck_<id>_<secret>`, SPEC §7), one organization each, and admin API keys (`pca_<id>_<secret>`, SPEC §4.5), one
/// organization's or operator-wide. The id finds the row, the secret is compared by its SHA-256 in constant time, and
/// the prefix must match the stored scope, so a key never opens the other API. Secrets are returned once and never
/// stored or logged.
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

    /// A key's last use is written at most this often (seconds): one conditional UPDATE a minute per key.
    public static let lastUseResolution: TimeInterval = 60

    /// Creates a verification API key; the returned secret is shown once and never stored.
    public func create(organization: Organization, name: String, actor: AuditActor) async throws -> (key: APIKey, secret: String) {
        try await create(scope: .verification, organizationID: organization.id, name: name, actor: actor)
    }

    /// Creates an admin API key for one organization, or an operator-wide one with nil; the secret is shown once.
    public func createAdminKey(organization: Organization?, name: String, actor: AuditActor) async throws -> (key: APIKey, secret: String) {
        try await create(scope: .admin, organizationID: organization?.id, name: name, actor: actor)
    }

    private func create(scope: APIKeyScope, organizationID: String?, name: String, actor: AuditActor) async throws -> (key: APIKey, secret: String) {
        let id = random.identifier()
        let secret = random.token()
        let key = APIKey(id: id, organizationID: organizationID, name: String(name.prefix(64)), secretHash: Hex.sha256(secret),
                         scope: scope, createdAt: clock.now)
        try await repositories.atomically { [audit] r in
            try await r.apiKeys.insert(key)
            try await audit.record(.apiKeyCreated, organizationID: organizationID, userID: nil, actor: actor,
                                   detail: .apiKey(id: id, name: key.name, scope: scope), in: r)
        }
        return (key, scope.prefix + id + "_" + secret)
    }

    /// An organization's keys of both scopes; with nil, the operator-wide admin keys.
    public func list(organization: Organization?) async throws -> [APIKey] {
        try await repositories.apiKeys.list(organizationID: organization?.id)
    }

    /// Revokes one of the organization's keys (an operator-wide one with nil); false when there is no such live key.
    public func revoke(id: String, organization: Organization?, actor: AuditActor) async throws -> Bool {
        let now = clock.now
        return try await repositories.atomically { [audit] r in
            guard let key = try await r.apiKeys.find(id: id), key.organizationID == organization?.id,
                  try await r.apiKeys.revoke(id: id, at: now) else { return false }
            try await audit.record(.apiKeyRevoked, organizationID: organization?.id, userID: nil, actor: actor,
                                   detail: .apiKey(id: id, scope: key.scope), in: r)
            return true
        }
    }

    /// The live verification key a caller presented (`Bearer pck_…` or the bare key), or nil.
    public func authenticate(_ presented: String) async throws -> APIKey? {
        try await authenticateWithOrganization(presented)?.key
    }

    /// The same with the key's organization, read in the same query (the verification API needs both on every call).
    public func authenticateWithOrganization(_ presented: String) async throws -> (key: APIKey, organization: Organization)? {
        guard let (key, organization) = try await live(presented, scope: .verification), let organization else { return nil }
        return (key, organization)
    }

    /// The live admin key a caller presented (`Bearer pca_…`) with its organization, nil for an operator-wide key; nil
    /// when there is no such key.
    public func authenticateAdmin(_ presented: String) async throws -> (key: APIKey, organization: Organization?)? {
        try await live(presented, scope: .admin)
    }

    private func live(_ presented: String, scope: APIKeyScope) async throws -> (key: APIKey, organization: Organization?)? {
        var value = presented.trimmingCharacters(in: .whitespaces)
        if value.lowercased().hasPrefix("bearer ") { value = String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        guard value.hasPrefix(scope.prefix), value.count <= 200 else { return nil }
        let parts = value.dropFirst(scope.prefix.count).split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let (key, organization) = try await repositories.apiKeys.findWithOrganization(id: String(parts[0])),
              key.scope == scope, key.revokedAt == nil, key.organizationID == organization?.id,
              constantTimeEquals(Hex.sha256(String(parts[1])), key.secretHash) else { return nil }
        await recordUse(of: key)
        return (key, organization)
    }

    /// Notes the key's use, to the minute: nothing is written when the stored time is less than a minute old, and
    /// the write is conditional, so nodes racing on one key write it once. A failed write does not refuse the caller.
    private func recordUse(of key: APIKey) async {
        let now = clock.now
        let notBefore = now.addingTimeInterval(-Self.lastUseResolution)
        if let last = key.lastUsedAt, last > notBefore { return }
        _ = try? await repositories.apiKeys.recordUse(id: key.id, at: now, notBefore: notBefore)
    }
}
