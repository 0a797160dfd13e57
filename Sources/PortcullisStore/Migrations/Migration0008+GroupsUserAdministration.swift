import SQLKit

extension Migration {
    /// Groups and their members, and the users' phone and "must change password". (Organization policies live in
    /// the existing `organizations.settings` JSON.)
    static let groupsUserAdministration = Migration(version: 8, name: "groups_user_administration") { db in
        try await db.create(table: "user_groups")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("organization_id", type: .text, .notNull, .references("organizations", "id", onDelete: .cascade))
            .column("name", type: .text, .notNull)
            .column("name_key", type: .text, .notNull)
            .column("mfa_required", type: .int, .notNull, .default(0))
            .column("created_at", type: .bigint, .notNull)
            .unique("organization_id", "name_key")
            .run()
        try await db.create(table: "user_group_members")
            .column("group_id", type: .text, .notNull, .references("user_groups", "id", onDelete: .cascade))
            .column("user_id", type: .text, .notNull, .references("users", "id", onDelete: .cascade))
            .primaryKey("group_id", "user_id")
            .run()
        try await db.create(index: "user_group_members_user").on("user_group_members").column("user_id").run()
        try await db.alter(table: "users").column("phone", type: .text).run()
        try await db.alter(table: "users").column("must_change_password", type: .int, .notNull, .default(0)).run()
    }
}
