import SQLKit

extension Migration {
    static let webauthn = Migration(version: 5, name: "webauthn") { db in
        try await db.create(table: "webauthn_credentials")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("factor_id", type: .text, .notNull, .unique, .references("factors", "id", onDelete: .cascade))
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("public_key", type: .blob, .notNull)
            .column("algorithm", type: .int, .notNull)
            .column("sign_count", type: .bigint, .notNull)
            .column("aaguid", type: .blob, .notNull)
            .column("transports", type: .text, .notNull)
            .column("backup_eligible", type: .int, .notNull)
            .column("backup_state", type: .int, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await db.create(index: "webauthn_credentials_user").on("webauthn_credentials").column("user_id").run()
        try await db.create(table: "webauthn_challenges")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("challenge", type: .blob, .notNull)
            .column("purpose", type: .text, .notNull)
            .column("binding", type: .text, .notNull)
            .column("user_id", type: .text)
            .column("expires_at", type: .bigint, .notNull)
            .run()
        try await db.create(table: "webauthn_user_handles")
            .column("user_id", type: .text, .primaryKey(autoIncrement: false), .references("users", "id", onDelete: .cascade))
            .column("handle", type: .text, .notNull, .unique)
            .run()
    }
}
