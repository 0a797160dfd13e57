import Foundation
import SQLKit

/// One step of the schema, applied once, in order, and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (any SQLDatabase) async throws -> Void
}

/// The ordered schema history. Append new migrations; never edit one that has shipped.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "organizations_users") { db in
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
        },
        Migration(version: 2, name: "factors") { db in
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
        },
        Migration(version: 3, name: "sessions_audit_rate_limits") { db in
            try await db.create(table: "sessions")
                .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
                .column("organization_id", type: .text, .notNull)
                .column("stage", type: .text, .notNull)
                .column("amr", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .column("last_seen_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "sessions_user").on("sessions").column("user_id").run()
            try await db.create(table: "audit_events")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("organization_id", type: .text)
                .column("user_id", type: .text)
                .column("actor", type: .text)
                .column("type", type: .text, .notNull)
                .column("reason", type: .text)
                .column("ip_address", type: .text)
                .column("detail", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(index: "audit_events_org_time").on("audit_events").column("organization_id").column("created_at").run()
            try await db.create(index: "audit_events_user_time").on("audit_events").column("user_id").column("created_at").run()
            try await db.create(table: "rate_limits")
                .column("bucket", type: .text, .primaryKey(autoIncrement: false))
                .column("window_start", type: .bigint, .notNull)
                .column("hits", type: .int, .notNull)
                .run()
        },
        Migration(version: 4, name: "tokens_message_codes_settings") { db in
            try await db.alter(table: "organizations").column("settings", type: .text, .notNull, .default("{}")).run()
            try await db.alter(table: "users").column("is_operator", type: .int, .notNull, .default(0)).run()
            try await db.create(table: "hardware_tokens")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("organization_id", type: .text, .references("organizations", "id", onDelete: .cascade))
                .column("serial", type: .text, .notNull, .unique)
                .column("sealed_seed", type: .blob, .notNull)
                .column("algorithm", type: .text, .notNull)
                .column("digits", type: .int, .notNull)
                .column("counter", type: .bigint, .notNull)
                .column("state", type: .text, .notNull)
                .column("user_id", type: .text, .references("users", "id", onDelete: .setNull))
                .column("lent_until", type: .bigint)
                .column("created_at", type: .bigint, .notNull)
                .column("last_used_at", type: .bigint)
                .run()
            try await db.create(index: "hardware_tokens_org").on("hardware_tokens").column("organization_id").run()
            try await db.create(index: "hardware_tokens_user").on("hardware_tokens").column("user_id").run()
            try await db.create(table: "message_challenges")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
                .column("factor_id", type: .text, .notNull, .unique, .references("factors", "id", onDelete: .cascade))
                .column("code_hash", type: .blob, .notNull)
                .column("salt", type: .blob, .notNull)
                .column("attempts", type: .int, .notNull, .default(0))
                .column("created_at", type: .bigint, .notNull)
                .column("expires_at", type: .bigint, .notNull)
                .column("consumed_at", type: .bigint)
                .column("inbound_code", type: .text)
                .column("inbound_confirmed_at", type: .bigint)
                .run()
            try await db.create(index: "message_challenges_inbound").on("message_challenges").column("inbound_code").run()
        },
        Migration(version: 5, name: "webauthn") { db in
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
        },
        Migration(version: 6, name: "lockout_escalation_sliding_limits_step_up") { db in
            // SQLite adds one column per ALTER TABLE.
            for column in ["lock_level", "consecutive_failures", "lock_needs_admin"] {
                try await db.alter(table: "users").column(column, type: .int, .notNull, .default(0)).run()
            }
            try await db.create(table: "rate_windows")
                .column("bucket", type: .text, .primaryKey(autoIncrement: false))
                .column("window_start", type: .bigint, .notNull)
                .column("hits", type: .int, .notNull)
                .column("previous_hits", type: .int, .notNull)
                .run()
            try await db.drop(table: "rate_limits").ifExists().run()
            try await db.alter(table: "sessions").column("verified_at", type: .bigint).run()
            try await db.alter(table: "sessions").column("flash", type: .blob).run()
        },
        Migration(version: 7, name: "verification_api") { db in
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
        },
    ]

    /// Applies every migration not yet recorded, each in its own transaction. Safe to run on several nodes at once:
    /// PostgreSQL serializes runners with an advisory lock, SQLite with its write lock.
    @discardableResult
    public static func run(on database: PortcullisDatabase) async throws -> [Migration] {
        try await database.sql.create(table: "schema_migrations").ifNotExists()
            .column("version", type: .bigint, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("applied_at", type: .bigint, .notNull)
            .run()
        let lockKey: Int64 = 0x506F_7274_6375  // "Portcu"
        if database.engine == .postgres {
            return try await database.sql.withSession { connection in
                try await connection.raw("SELECT pg_advisory_lock(\(bind: lockKey))").run()
                do {
                    let applied = try await applyPending(database: database)
                    try await connection.raw("SELECT pg_advisory_unlock(\(bind: lockKey))").run()
                    return applied
                } catch {
                    try? await connection.raw("SELECT pg_advisory_unlock(\(bind: lockKey))").run()
                    throw error
                }
            }
        }
        return try await applyPending(database: database)
    }

    private static func applyPending(database: PortcullisDatabase) async throws -> [Migration] {
        var applied: [Migration] = []
        for migration in all {
            let didApply = try await database.transaction { db in
                let done = try await db.select().column("version").from("schema_migrations")
                    .where("version", .equal, migration.version).first()
                guard done == nil else { return false }
                try await migration.apply(db)
                try await db.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Date().millis))
                    .run()
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// Versions recorded as applied.
    public static func appliedVersions(on database: PortcullisDatabase) async throws -> [Int] {
        try await database.sql.select().column("version").from("schema_migrations").orderBy("version").all()
            .map { try $0.decode(column: "version", as: Int.self) }
    }
}
