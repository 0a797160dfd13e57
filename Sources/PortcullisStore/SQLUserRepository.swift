import Foundation
import PortcullisCore
import SQLKit

struct SQLUserRepository: UserRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "organization_id", "username", "display_name", "email", "password_hash", "is_admin", "is_operator",
                          "mfa_required", "mfa_prompt_dismissed", "disabled", "failed_password_attempts",
                          "failed_factor_attempts", "locked_until", "lock_level", "consecutive_failures", "lock_needs_admin",
                          "created_at", "last_sign_in_at", "phone", "must_change_password", "password_changed_at"]

    func insert(_ u: User) async throws {
        try await db.sql.insert(into: "users").columns(Self.columns)
            .values(SQLBind(u.id), SQLBind(u.organizationID), SQLBind(u.username), SQLBind(u.displayName),
                    SQLBind(u.email), SQLBind(u.passwordHash), SQLBind(u.isAdmin ? 1 : 0), SQLBind(u.isOperator ? 1 : 0), SQLBind(u.mfaRequired ? 1 : 0),
                    SQLBind(u.mfaPromptDismissed ? 1 : 0), SQLBind(u.disabled ? 1 : 0), SQLBind(u.failedPasswordAttempts),
                    SQLBind(u.failedFactorAttempts), SQLBind(u.lockedUntil?.millis), SQLBind(u.lockLevel),
                    SQLBind(u.consecutiveFailures), SQLBind(u.lockNeedsAdmin ? 1 : 0), SQLBind(u.createdAt.millis),
                    SQLBind(u.lastSignInAt?.millis), SQLBind(u.phone), SQLBind(u.mustChangePassword ? 1 : 0),
                    SQLBind(u.passwordChangedAt?.millis))
            .run()
    }

    func find(id: String) async throws -> User? {
        try await select().where("id", .equal, id).first().map(Self.decode)
    }

    func find(organizationID: String, username: String) async throws -> User? {
        try await select().where("organization_id", .equal, organizationID).where("username", .equal, username)
            .first().map(Self.decode)
    }

    func list(organizationID: String) async throws -> [User] {
        try await select().where("organization_id", .equal, organizationID).orderBy("username").all().map(Self.decode)
    }

    func setPasswordHash(userID: String, hash: String) async throws {
        try await update(userID, ["password_hash": SQLBind(hash)])
    }

    func setPassword(userID: String, hash: String, changedAt: Date, mustChange: Bool) async throws {
        try await update(userID, ["password_hash": SQLBind(hash), "password_changed_at": SQLBind(changedAt.millis),
                                  "must_change_password": SQLBind(mustChange ? 1 : 0)])
    }

    func setMustChangePassword(userID: String, _ mustChange: Bool) async throws {
        try await update(userID, ["must_change_password": SQLBind(mustChange ? 1 : 0)])
    }

    func updateProfile(userID: String, displayName: String, email: String?, phone: String?) async throws {
        try await update(userID, ["display_name": SQLBind(displayName), "email": SQLBind(email), "phone": SQLBind(phone)])
    }

    func setDisabled(userID: String, _ disabled: Bool) async throws {
        try await update(userID, ["disabled": SQLBind(disabled ? 1 : 0)])
    }

    func delete(id: String) async throws {
        try await db.sql.delete(from: "users").where("id", .equal, id).run()
    }

    func lockByAdmin(userID: String) async throws {
        try await update(userID, ["lock_needs_admin": SQLBind(1)])
    }

    func setMFARequired(userID: String, _ required: Bool) async throws {
        try await update(userID, ["mfa_required": SQLBind(required ? 1 : 0)])
    }

    func setMFAPromptDismissed(userID: String) async throws {
        try await update(userID, ["mfa_prompt_dismissed": SQLBind(1)])
    }

    func setRoles(userID: String, isAdmin: Bool, isOperator: Bool) async throws {
        try await update(userID, ["is_admin": SQLBind(isAdmin ? 1 : 0), "is_operator": SQLBind(isOperator ? 1 : 0)])
    }

    /// The account may sign in at `now`: enabled and not locked (an expired lock counts as lifted).
    private static func usable(_ now: Date) -> SQLQueryString {
        "disabled = 0 AND lock_needs_admin = 0 AND (locked_until IS NULL OR locked_until <= \(bind: now.millis))"
    }

    func reserveAttempt(userID: String, kind: FailureKind, limit: Int, cap: Int, now: Date) async throws -> AttemptReservation? {
        let column = Self.failureColumn(kind)
        let row = try await db.sql.raw("""
            UPDATE users SET \(ident: column) = \(ident: column) + 1, consecutive_failures = consecutive_failures + 1
            WHERE id = \(bind: userID) AND \(Self.usable(now)) AND \(ident: column) < \(bind: limit)
              AND consecutive_failures < \(bind: cap)
            RETURNING \(ident: column), consecutive_failures, lock_level
            """).first()
        guard let row else { return nil }
        return AttemptReservation(count: try row.decode(column: column, as: Int.self),
                                  consecutive: try row.decode(column: "consecutive_failures", as: Int.self),
                                  lockLevel: try row.decode(column: "lock_level", as: Int.self))
    }

    func releaseAttempt(userID: String, kind: FailureKind) async throws {
        let column = Self.failureColumn(kind)
        try await db.sql.raw("""
            UPDATE users SET \(ident: column) = \(ident: column) - 1, consecutive_failures = consecutive_failures - 1
            WHERE id = \(bind: userID) AND \(ident: column) > 0 AND consecutive_failures > 0
            """).run()
    }

    func passwordSucceeded(userID: String, now: Date) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE users SET failed_password_attempts = 0,
              consecutive_failures = CASE WHEN consecutive_failures > 0 THEN consecutive_failures - 1 ELSE 0 END
            WHERE id = \(bind: userID) AND \(Self.usable(now)) RETURNING id
            """).first() != nil
    }

    func lock(userID: String, kind: FailureKind, limit: Int, cap: Int, level: Int, until: Date, needsAdmin: Bool, now: Date) async throws -> Bool {
        let column = Self.failureColumn(kind)
        return try await db.sql.raw("""
            UPDATE users SET locked_until = \(bind: until.millis), lock_level = lock_level + 1,
              lock_needs_admin = \(bind: needsAdmin ? 1 : 0), failed_password_attempts = 0, failed_factor_attempts = 0
            WHERE id = \(bind: userID) AND lock_level = \(bind: level) AND \(Self.usable(now))
              AND (\(ident: column) >= \(bind: limit) OR consecutive_failures >= \(bind: cap))
            RETURNING id
            """).first() != nil
    }

    func succeed(userID: String, at now: Date, signedIn: Bool) async throws -> Bool {
        let lastSignIn: SQLQueryString = signedIn ? "\(bind: now.millis)" : "last_sign_in_at"
        return try await db.sql.raw("""
            UPDATE users SET failed_password_attempts = 0, failed_factor_attempts = 0, consecutive_failures = 0,
              lock_level = 0, last_sign_in_at = \(lastSignIn)
            WHERE id = \(bind: userID) AND \(Self.usable(now)) RETURNING id
            """).first() != nil
    }

    func unlock(userID: String) async throws {
        try await update(userID, ["locked_until": SQLBind(Int64?.none), "failed_password_attempts": SQLBind(0),
                                  "failed_factor_attempts": SQLBind(0), "consecutive_failures": SQLBind(0),
                                  "lock_level": SQLBind(0), "lock_needs_admin": SQLBind(0)])
    }

    func unlockUnlessAdministrator(userID: String) async throws -> Bool {
        try await db.sql.raw("""
            UPDATE users SET locked_until = NULL, failed_password_attempts = 0, failed_factor_attempts = 0, consecutive_failures = 0,
              lock_level = 0
            WHERE id = \(bind: userID) AND lock_needs_admin = 0
            RETURNING id
            """).first() != nil
    }

    private static func failureColumn(_ kind: FailureKind) -> String {
        kind == .password ? "failed_password_attempts" : "failed_factor_attempts"
    }

    private func update(_ userID: String, _ values: [String: SQLBind]) async throws {
        var builder = db.sql.update("users")
        for (column, value) in values { builder = builder.set(SQLIdentifier(column), to: value) }
        try await builder.where("id", .equal, userID).run()
    }

    private func select() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("users")
    }

    static func decode(_ row: any SQLRow) throws -> User {
        User(id: try row.string("id"), organizationID: try row.string("organization_id"), username: try row.string("username"),
             displayName: try row.string("display_name"), email: try row.optionalString("email"),
             passwordHash: try row.optionalString("password_hash"), isAdmin: try row.bool("is_admin"),
             isOperator: try row.bool("is_operator"),
             mfaRequired: try row.bool("mfa_required"), mfaPromptDismissed: try row.bool("mfa_prompt_dismissed"),
             disabled: try row.bool("disabled"),
             failedPasswordAttempts: try row.decode(column: "failed_password_attempts", as: Int.self),
             failedFactorAttempts: try row.decode(column: "failed_factor_attempts", as: Int.self),
             lockedUntil: try row.optionalDate("locked_until"), lockLevel: try row.decode(column: "lock_level", as: Int.self),
             consecutiveFailures: try row.decode(column: "consecutive_failures", as: Int.self),
             lockNeedsAdmin: try row.bool("lock_needs_admin"), createdAt: try row.date("created_at"),
             lastSignInAt: try row.optionalDate("last_sign_in_at"), phone: try row.optionalString("phone"),
             mustChangePassword: try row.bool("must_change_password"), passwordChangedAt: try row.optionalDate("password_changed_at"))
    }
}
