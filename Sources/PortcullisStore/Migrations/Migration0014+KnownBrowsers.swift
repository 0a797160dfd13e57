import SQLKit

extension Migration {
    /// The browsers each user has signed in from, for the "sign-in from a new device" notice (SPEC §5): per user,
    /// the SHA-256 of the browser cookie's random id, a name from the User-Agent, and when and from where it was first
    /// and last seen. A session remembers the browser its sign-in began in (its hash and name).
    static let knownBrowsers = Migration(version: 14, name: "known_browsers") { db in
        try await db.alter(table: "sessions").column("browser_hash", type: .text).run()
        try await db.alter(table: "sessions").column("browser_name", type: .text).run()
        try await db.create(table: "known_browsers")
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("browser_hash", type: .text, .notNull)
            .column("name", type: .text, .notNull)
            .column("first_ip", type: .text)
            .column("last_ip", type: .text)
            .column("first_seen_at", type: .bigint, .notNull)
            .column("last_seen_at", type: .bigint, .notNull)
            .primaryKey("user_id", "browser_hash")
            .run()
    }
}
