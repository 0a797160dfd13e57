import SQLKit

extension Migration {
    /// Admin API keys beside the verification API's: each key gets a scope (`verification` or `admin`) and the time of
    /// its last use, and an admin key may be operator-wide (no organization). SQLite cannot drop a NOT NULL, so the
    /// table is rebuilt the same way on both engines (nothing references it); existing keys stay verification keys.
    static let adminApiKeys = Migration(version: 9, name: "admin_api_keys") { db in
        try await db.create(table: "api_keys_v9")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("organization_id", type: .text, .references("organizations", "id", onDelete: .cascade))
            .column("name", type: .text, .notNull)
            .column("secret_hash", type: .text, .notNull)
            .column("scope", type: .text, .notNull, .default("verification"))
            .column("created_at", type: .bigint, .notNull)
            .column("revoked_at", type: .bigint)
            .column("last_used_at", type: .bigint)
            .check(SQLRaw("scope IN ('verification', 'admin') AND (organization_id IS NOT NULL OR scope = 'admin')"), named: "api_keys_scope")
            .run()
        try await db.raw("""
            INSERT INTO api_keys_v9 (id, organization_id, name, secret_hash, scope, created_at, revoked_at)
            SELECT id, organization_id, name, secret_hash, 'verification', created_at, revoked_at FROM api_keys
            """).run()
        try await db.drop(table: "api_keys").run()
        try await db.raw("ALTER TABLE api_keys_v9 RENAME TO api_keys").run()
        try await db.create(index: "api_keys_organization").on("api_keys").column("organization_id").run()
    }
}
