import SQLKit

extension Migration {
    static let organizationsUsers = Migration(version: 1, name: "organizations_users") { db in
        try await db.create(table: "organizations")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("slug", type: .text, .notNull, .unique)
            .column("name", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await db.create(table: "users")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("organization_id", type: .text, .notNull, .references("organizations", "id", onDelete: .cascade))
            .column("username", type: .text, .notNull)
            .column("display_name", type: .text, .notNull)
            .column("email", type: .text)
            .column("password_hash", type: .text)
            .column("is_admin", type: .int, .notNull, .default(0))
            .column("mfa_required", type: .int, .notNull, .default(0))
            .column("mfa_prompt_dismissed", type: .int, .notNull, .default(0))
            .column("disabled", type: .int, .notNull, .default(0))
            .column("failed_password_attempts", type: .int, .notNull, .default(0))
            .column("failed_factor_attempts", type: .int, .notNull, .default(0))
            .column("locked_until", type: .bigint)
            .column("created_at", type: .bigint, .notNull)
            .column("last_sign_in_at", type: .bigint)
            .unique("organization_id", "username")
            .run()
    }
}
