import SQLKit

extension Migration {
    static let factors = Migration(version: 2, name: "factors") { db in
        try await db.create(table: "factors")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("type", type: .text, .notNull)
            .column("label", type: .text, .notNull)
            .column("sealed_secret", type: .blob)
            .column("parameters", type: .text, .notNull)
            .column("counter", type: .bigint)
            .column("confirmed", type: .int, .notNull, .default(0))
            .column("is_default", type: .int, .notNull, .default(0))
            .column("created_at", type: .bigint, .notNull)
            .column("last_used_at", type: .bigint)
            .run()
        try await db.create(index: "factors_user").on("factors").column("user_id").run()
        try await db.create(table: "backup_codes")
            .column("factor_id", type: .text, .notNull, .references("factors", "id", onDelete: .cascade))
            .column("idx", type: .int, .notNull)
            .column("code_hash", type: .blob, .notNull)
            .column("used_at", type: .bigint)
            .primaryKey("factor_id", "idx")
            .run()
    }
}
