import SQLKit

extension Migration {
    /// Remembered devices (SPEC §2.3): per browser, the SHA-256 of its cookie's series id (unique) and of its current
    /// and previous counter token, bound to a user (and the user's organization); its name from the User-Agent, the
    /// addresses it was remembered from and last used from, and when it was created, last used and expires.
    static let rememberedDevices = Migration(version: 12, name: "remembered_devices") { db in
        try await db.create(table: "remembered_devices")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .column("organization_id", type: .text, .notNull)
            .column("series_hash", type: .text, .notNull, .unique)
            .column("counter_hash", type: .text, .notNull)
            .column("previous_counter_hash", type: .text)
            .column("rotated_at", type: .bigint)
            .column("name", type: .text, .notNull)
            .column("created_ip", type: .text)
            .column("last_used_ip", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .column("last_used_at", type: .bigint)
            .column("expires_at", type: .bigint, .notNull)
            .run()
        try await db.create(index: "remembered_devices_user").on("remembered_devices").column("user_id").run()
        try await db.create(index: "remembered_devices_expiry").on("remembered_devices").column("expires_at").run()
    }
}
