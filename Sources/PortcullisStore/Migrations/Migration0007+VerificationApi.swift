import SQLKit

extension Migration {
    static let verificationApi = Migration(version: 7, name: "verification_api") { db in
        try await db.create(table: "api_keys")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("organization_id", type: .text, .notNull, .references("organizations", "id", onDelete: .cascade))
            .column("name", type: .text, .notNull)
            .column("secret_hash", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("revoked_at", type: .bigint)
            .run()
        try await db.create(table: "verification_transactions")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("organization_id", type: .text, .notNull)
            .column("factor_id", type: .text, .notNull, .references("factors", "id", onDelete: .cascade))
            .column("api_key_id", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .run()
    }
}
