import Foundation
import PortcullisCore
import SQLKit

struct SQLUserRepository: UserRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "organization_id", "username", "display_name", "email", "password_hash", "is_admin", "is_operator",
                          "mfa_required", "mfa_prompt_dismissed", "disabled", "failed_password_attempts",
                          "failed_factor_attempts", "locked_until", "created_at", "last_sign_in_at"]

    func insert(_ u: User) async throws {
        try await db.sql.insert(into: "users").columns(Self.columns)
            .values(SQLBind(u.id), SQLBind(u.organizationID), SQLBind(u.username), SQLBind(u.displayName),
                    SQLBind(u.email), SQLBind(u.passwordHash), SQLBind(u.isAdmin ? 1 : 0), SQLBind(u.isOperator ? 1 : 0), SQLBind(u.mfaRequired ? 1 : 0),
                    SQLBind(u.mfaPromptDismissed ? 1 : 0), SQLBind(u.disabled ? 1 : 0), SQLBind(u.failedPasswordAttempts),
                    SQLBind(u.failedFactorAttempts), SQLBind(u.lockedUntil?.millis), SQLBind(u.createdAt.millis),
                    SQLBind(u.lastSignInAt?.millis))
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

    func setMFARequired(userID: String, _ required: Bool) async throws {
        try await update(userID, ["mfa_required": SQLBind(required ? 1 : 0)])
    }

    func setMFAPromptDismissed(userID: String) async throws {
        try await update(userID, ["mfa_prompt_dismissed": SQLBind(1)])
    }

    func setRoles(userID: String, isAdmin: Bool, isOperator: Bool) async throws {
        try await update(userID, ["is_admin": SQLBind(isAdmin ? 1 : 0), "is_operator": SQLBind(isOperator ? 1 : 0)])
    }

    func recordSignIn(userID: String, at date: Date) async throws {
        try await update(userID, ["last_sign_in_at": SQLBind(date.millis)])
    }

    /// One atomic statement, so concurrent failures on several nodes are all counted.
    func incrementFailures(userID: String, kind: FailureKind) async throws -> Int {
        let column = Self.failureColumn(kind)
        let row = try await db.sql.raw("""
            UPDATE users SET \(ident: column) = \(ident: column) + 1 WHERE id = \(bind: userID) RETURNING \(ident: column)
            """).first()
        return try row?.decode(column: column, as: Int.self) ?? 0
    }

    func resetFailures(userID: String, kind: FailureKind) async throws {
        try await update(userID, [Self.failureColumn(kind): SQLBind(0)])
    }

    func lock(userID: String, until: Date) async throws {
        try await update(userID, ["locked_until": SQLBind(until.millis), "failed_password_attempts": SQLBind(0),
                                  "failed_factor_attempts": SQLBind(0)])
    }

    func unlock(userID: String) async throws {
        try await update(userID, ["locked_until": SQLBind(Int64?.none), "failed_password_attempts": SQLBind(0),
                                  "failed_factor_attempts": SQLBind(0)])
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
             lockedUntil: try row.optionalDate("locked_until"), createdAt: try row.date("created_at"),
             lastSignInAt: try row.optionalDate("last_sign_in_at"))
    }
}
