import Foundation
import PortcullisCore
import SQLKit

/// Verification API transactions; taking one is a single conditional `DELETE … RETURNING`, so it works once across
/// nodes.
struct SQLVerificationRepository: VerificationTransactionRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "user_id", "organization_id", "factor_id", "api_key_id", "created_at", "expires_at"]

    func insert(_ t: VerificationTransaction) async throws {
        try await db.sql.insert(into: "verification_transactions").columns(Self.columns)
            .values(SQLBind(t.id), SQLBind(t.userID), SQLBind(t.organizationID), SQLBind(t.factorID), SQLBind(t.apiKeyID),
                    SQLBind(t.createdAt.millis), SQLBind(t.expiresAt.millis))
            .run()
    }

    func find(id: String) async throws -> VerificationTransaction? {
        guard let row = try await db.sql.select().columns(Self.columns).from("verification_transactions").where("id", .equal, id).first() else {
            return nil
        }
        return VerificationTransaction(id: try row.string("id"), userID: try row.string("user_id"), organizationID: try row.string("organization_id"),
                                       factorID: try row.string("factor_id"), apiKeyID: try row.string("api_key_id"),
                                       createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"))
    }

    func take(id: String, at now: Date) async throws -> Bool {
        try await db.sql.raw("""
            DELETE FROM verification_transactions WHERE id = \(bind: id) AND expires_at > \(bind: now.millis) RETURNING id
            """).first() != nil
    }

    func deleteExpired(before: Date) async throws {
        try await db.sql.delete(from: "verification_transactions").where("expires_at", .lessThan, before.millis).run()
    }
}

/// API keys for the verification API.
struct SQLAPIKeyRepository: APIKeyRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "organization_id", "name", "secret_hash", "created_at", "revoked_at"]

    func insert(_ k: APIKey) async throws {
        try await db.sql.insert(into: "api_keys").columns(Self.columns)
            .values(SQLBind(k.id), SQLBind(k.organizationID), SQLBind(k.name), SQLBind(k.secretHash), SQLBind(k.createdAt.millis),
                    SQLBind(k.revokedAt?.millis))
            .run()
    }

    func find(id: String) async throws -> APIKey? {
        try await db.sql.select().columns(Self.columns).from("api_keys").where("id", .equal, id).first().map(Self.decode)
    }

    func list(organizationID: String) async throws -> [APIKey] {
        try await db.sql.select().columns(Self.columns).from("api_keys").where("organization_id", .equal, organizationID)
            .orderBy("created_at").all().map(Self.decode)
    }

    func revoke(id: String, at: Date) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE api_keys SET revoked_at = \(bind: at.millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).first() != nil
    }

    static func decode(_ row: any SQLRow) throws -> APIKey {
        APIKey(id: try row.string("id"), organizationID: try row.string("organization_id"), name: try row.string("name"),
               secretHash: try row.string("secret_hash"), createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"))
    }
}
