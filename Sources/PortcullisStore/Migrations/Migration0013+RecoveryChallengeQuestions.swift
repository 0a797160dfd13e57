import SQLKit

extension Migration {
    /// Self-service recovery (SPEC §5): "Forgot password" and "Unlock account" requests, kept by the SHA-256 of the
    /// browser's token, and users' challenge questions with Argon2id hashes of their answers.
    static let recoveryChallengeQuestions = Migration(version: 13, name: "recovery_challenge_questions") { db in
        try await db.create(table: "recovery_requests")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("organization_id", type: .text, .notNull, .references("organizations", "id", onDelete: .cascade))
            .column("user_id", type: .text, .references("users", "id", onDelete: .cascade))
            .column("purpose", type: .text, .notNull)
            .column("proven", type: .text, .notNull, .default(""))
            .column("questions_answered", type: .int, .notNull, .default(0))
            .column("failures", type: .int, .notNull, .default(0))
            .column("decoy", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .column("expires_at", type: .bigint, .notNull)
            .column("completed_at", type: .bigint)
            .check(SQLRaw("purpose IN ('reset', 'unlock')"), named: "recovery_requests_purpose")
            .run()
        try await db.create(index: "recovery_requests_expiry").on("recovery_requests").column("expires_at").run()
        try await db.create(table: "challenge_answers")
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("position", type: .int, .notNull)
            .column("question", type: .text, .notNull)
            .column("answer_hash", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .primaryKey("user_id", "position")
            .run()
    }
}
