import Foundation
import SQLKit

/// One step of the schema, applied once, in order, and recorded in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (any SQLDatabase) async throws -> Void
}

/// The ordered schema history, one file per migration in `Migrations/`. Append new migrations; never edit one that
/// has shipped.
public enum Migrations {
    public static let all: [Migration] = [
        .organizationsUsers,
        .factors,
        .sessionsAuditRateLimits,
        .tokensMessageCodesSettings,
        .webauthn,
        .lockoutEscalationSlidingLimitsStepUp,
        .verificationApi,
        .groupsUserAdministration,
        .adminApiKeys,
        .auditKeyset,
        .passwordChanges,
        .rememberedDevices,
        .recoveryChallengeQuestions,
        .knownBrowsers,
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
