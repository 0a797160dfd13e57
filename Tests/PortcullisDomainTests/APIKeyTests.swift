import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing

@Suite("API keys: verification and admin scopes, operator-wide keys, last use, on SQLite and PostgreSQL")
struct APIKeyTests {
    func events(_ s: TestServices, _ type: AuditEventType) async throws -> [AuditEvent] {
        try await s.repositories.audit.list(organizationID: nil, userID: nil, limit: 500).filter { $0.type == type }
    }

    @Test("A key opens only its own API; operator-wide keys have no organization; creating and revoking is audited with the scope",
          arguments: TestDatabase.engines)
    func scopes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, _) = try await s.makeUser()
            let keys = s.app.apiKeys
            let (verification, verificationSecret) = try await keys.create(organization: organization, name: "vpn", actor: .cli)
            let (admin, adminSecret) = try await keys.createAdminKey(organization: organization, name: "script", actor: .cli)
            let (operatorKey, operatorSecret) = try await keys.createAdminKey(organization: nil, name: "ops", actor: .cli)
            #expect(verificationSecret.hasPrefix("pck_") && adminSecret.hasPrefix("pca_") && operatorSecret.hasPrefix("pca_"))
            #expect(verification.scope == .verification && admin.scope == .admin && operatorKey.isOperatorWide)

            #expect(try await keys.authenticateWithOrganization(verificationSecret)?.key.id == verification.id)
            #expect(try await keys.authenticateWithOrganization(adminSecret) == nil, "an admin key is no verification key")
            #expect(try await keys.authenticateWithOrganization("pck_" + adminSecret.dropFirst(4)) == nil, "nor under the other prefix")
            #expect(try await keys.authenticateAdmin(verificationSecret) == nil, "a verification key is no admin key")
            #expect(try await keys.authenticateAdmin("pca_" + verificationSecret.dropFirst(4)) == nil, "nor under the other prefix")
            let (found, owner) = try #require(try await keys.authenticateAdmin("Bearer " + adminSecret))
            #expect(found.id == admin.id && owner?.id == organization.id)
            let (foundOperator, none) = try #require(try await keys.authenticateAdmin(operatorSecret))
            #expect(foundOperator.id == operatorKey.id && none == nil)

            #expect(Set(try await keys.list(organization: organization).map(\.id)) == [verification.id, admin.id])
            #expect(try await keys.list(organization: nil).map(\.id) == [operatorKey.id])
            let created = try await events(s, .apiKeyCreated)
            #expect(Set(created.compactMap { $0.detail["scope"] }) == ["verification", "admin"])
            #expect(created.contains { $0.detail["api_key_id"] == operatorKey.id && $0.organizationID == nil })

            // An operator-wide key is revoked as one, never through an organization.
            #expect(try await keys.revoke(id: operatorKey.id, organization: organization, actor: .cli) == false)
            #expect(try await keys.revoke(id: operatorKey.id, organization: nil, actor: .cli))
            #expect(try await keys.authenticateAdmin(operatorSecret) == nil)
            #expect(try await events(s, .apiKeyRevoked).first?.detail["scope"] == "admin")
        }
    }

    @Test("The last use is written at most once a minute, by a conditional update", arguments: TestDatabase.engines)
    func lastUse(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, _) = try await s.makeUser()
            let (key, secret) = try await s.app.apiKeys.createAdminKey(organization: organization, name: "script", actor: .cli)
            func lastUse() async throws -> Date? { try await s.repositories.apiKeys.find(id: key.id)?.lastUsedAt }
            #expect(try await lastUse() == nil)
            let start = s.clock.now
            _ = try await s.app.apiKeys.authenticateAdmin(secret)
            #expect(try await lastUse() == start)
            s.clock.advance(by: 59)
            _ = try await s.app.apiKeys.authenticateAdmin(secret)
            #expect(try await lastUse() == start)
            // Another node that read the key before the write does not write it again within the minute.
            #expect(try await s.repositories.apiKeys.recordUse(id: key.id, at: s.clock.now, notBefore: s.clock.now.addingTimeInterval(-60)) == false)
            s.clock.advance(by: 1)
            _ = try await s.app.apiKeys.authenticateAdmin(secret)
            #expect(try await lastUse() == s.clock.now)
        }
    }

    @Test("Migration 9 keeps the keys made before it as verification keys", arguments: TestDatabase.engines)
    func migration(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, _) = try await s.makeUser()
            // Back to the table as version 7 made it, with one key, and migrate again.
            try await db.sql.drop(table: "api_keys").run()
            try await db.sql.create(table: "api_keys")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("organization_id", type: .text, .notNull, .references("organizations", "id", onDelete: .cascade))
                .column("name", type: .text, .notNull)
                .column("secret_hash", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("revoked_at", type: .bigint)
                .run()
            try await db.sql.raw("""
                INSERT INTO api_keys (id, organization_id, name, secret_hash, created_at) VALUES ('k1', \(bind: organization.id), 'vpn', 'x', 1)
                """).run()
            try await db.sql.delete(from: "schema_migrations").where("version", .equal, 9).run()
            #expect(try await Migrations.run(on: db).map(\.version) == [9])
            let key = try #require(try await s.repositories.apiKeys.find(id: "k1"))
            #expect(key.scope == .verification && key.organizationID == organization.id && key.lastUsedAt == nil && key.name == "vpn")
            // An operator-wide key must be an admin key.
            await #expect(throws: (any Error).self) {
                try await s.repositories.apiKeys.insert(APIKey(id: "k2", organizationID: nil, name: "x", secretHash: "x", scope: .verification,
                                                               createdAt: Date()))
            }
        }
    }
}
