import Foundation
import PortcullisCore
import SQLKit

/// API keys of both scopes (verification and admin); an operator-wide admin key has no organization.
struct SQLAPIKeyRepository: APIKeyRepository {
    let db: PortcullisDatabase
    let defaults: SecurityPolicy

    static let columns = ["id", "organization_id", "name", "secret_hash", "scope", "created_at", "revoked_at", "last_used_at"]

    func insert(_ k: APIKey) async throws {
        try await db.sql.insert(into: "api_keys").columns(Self.columns)
            .values(SQLBind(k.id), SQLBind(k.organizationID), SQLBind(k.name), SQLBind(k.secretHash), SQLBind(k.scope.rawValue),
                    SQLBind(k.createdAt.millis), SQLBind(k.revokedAt?.millis), SQLBind(k.lastUsedAt?.millis))
            .run()
    }

    func find(id: String) async throws -> APIKey? {
        try await db.sql.select().columns(Self.columns).from("api_keys").where("id", .equal, id).first().map(Self.decode)
    }

    /// The key and its organization in one joined SELECT (`k_`, `o_` prefixes; no organization for an operator-wide
    /// key); the key is read on every API call.
    func findWithOrganization(id: String) async throws -> (key: APIKey, organization: Organization?)? {
        guard let row = try await db.sql.raw("""
            SELECT \(unsafeRaw: Self.joinedColumns) FROM api_keys k LEFT JOIN organizations o ON o.id = k.organization_id
            WHERE k.id = \(bind: id)
            """).first() else { return nil }
        let key = try Self.decode(PrefixedRow(row: row, prefix: "k_"))
        let organization = try row.decodeNil(column: "o_id") ? nil : try SQLOrganizationRepository(db: db, defaults: defaults).decode(PrefixedRow(row: row, prefix: "o_"))
        return (key, organization)
    }

    private static let joinedColumns = [("k", columns), ("o", SQLOrganizationRepository.columns)]
        .flatMap { table, columns in columns.map { "\(table).\($0) AS \(table)_\($0)" } }.joined(separator: ", ")

    func list(organizationID: String?) async throws -> [APIKey] {
        let query = db.sql.select().columns(Self.columns).from("api_keys")
        if let organizationID {
            query.where("organization_id", .equal, organizationID)
        } else {
            query.where("organization_id", .is, SQLLiteral.null)
        }
        return try await query.orderBy("created_at").orderBy("id").all().map(Self.decode)
    }

    func revoke(id: String, at: Date) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE api_keys SET revoked_at = \(bind: at.millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id
            """).first() != nil
    }

    func recordUse(id: String, at: Date, notBefore: Date) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE api_keys SET last_used_at = \(bind: at.millis)
            WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at <= \(bind: notBefore.millis)) RETURNING id
            """).first() != nil
    }

    static func decode(_ row: any SQLRow) throws -> APIKey {
        let scope = try row.string("scope")
        // The table allows only the two scopes (a CHECK constraint); a value from a later version is unreadable here.
        guard let parsed = APIKeyScope(rawValue: scope) else { throw RepositoryError.notFound }
        return APIKey(id: try row.string("id"), organizationID: try row.optionalString("organization_id"), name: try row.string("name"),
                      secretHash: try row.string("secret_hash"), scope: parsed, createdAt: try row.date("created_at"),
                      revokedAt: try row.optionalDate("revoked_at"), lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
