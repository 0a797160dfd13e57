import SQLKit

extension Migration {
    static let lockoutEscalationSlidingLimitsStepUp = Migration(version: 6, name: "lockout_escalation_sliding_limits_step_up") { db in
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
    }
}
