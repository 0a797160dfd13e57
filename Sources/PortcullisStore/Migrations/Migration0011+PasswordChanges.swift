import SQLKit

extension Migration {
    /// When each user's password was last set, for the password policy's maximum age (SPEC §5). Existing users get
    /// none: their age counts from when the account was created.
    static let passwordChanges = Migration(version: 11, name: "password_changes") { db in
        try await db.alter(table: "users").column("password_changed_at", type: .bigint).run()
    }
}
