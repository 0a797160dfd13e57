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
        try await db.sql.select().columns(Self.columns).from("verification_transactions").where("id", .equal, id).first().map(Self.decode)
    }

    /// One joined SELECT instead of three; each table's columns come back under a prefix (`t_`, `u_`, `f_`).
    func findWithParticipants(id: String) async throws -> (transaction: VerificationTransaction, user: User, factor: Factor)? {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: Self.joinedColumns) FROM verification_transactions t
            JOIN users u ON u.id = t.user_id
            JOIN factors f ON f.id = t.factor_id AND f.user_id = t.user_id
            WHERE t.id = \(bind: id)
            """).first() else { return nil }
        return (try Self.decode(PrefixedRow(row: row, prefix: "t_")), try SQLUserRepository.decode(PrefixedRow(row: row, prefix: "u_")),
                try SQLFactorRepository.decode(PrefixedRow(row: row, prefix: "f_")))
    }

    private static let joinedColumns = [("t", columns), ("u", SQLUserRepository.columns), ("f", SQLFactorRepository.columns)]
        .flatMap { table, columns in columns.map { "\(table).\($0) AS \(table)_\($0)" } }.joined(separator: ", ")

    static func decode(_ row: any SQLRow) throws -> VerificationTransaction {
        VerificationTransaction(id: try row.string("id"), userID: try row.string("user_id"), organizationID: try row.string("organization_id"),
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
    let defaults: SecurityPolicy

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

    /// The key and its organization in one joined SELECT (`k_`, `o_` prefixes); the key is read on every API call.
    func findWithOrganization(id: String) async throws -> (key: APIKey, organization: Organization)? {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: Self.joinedColumns) FROM api_keys k JOIN organizations o ON o.id = k.organization_id
            WHERE k.id = \(bind: id)
            """).first() else { return nil }
        return (try Self.decode(PrefixedRow(row: row, prefix: "k_")), try SQLOrganizationRepository(db: db, defaults: defaults).decode(PrefixedRow(row: row, prefix: "o_")))
    }

    private static let joinedColumns = [("k", columns), ("o", SQLOrganizationRepository.columns)]
        .flatMap { table, columns in columns.map { "\(table).\($0) AS \(table)_\($0)" } }.joined(separator: ", ")

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
