import Foundation
import PortcullisCore
import PortcullisCrypto
import SQLKit

/// Sessions keyed by SHA-256 of the token: a leaked table does not hand out live sessions.
struct SQLSessionRepository: SessionRepository {
    let db: PortcullisDatabase

    static func key(_ token: String) -> String {
        Hex.sha256(token)
    }

    func insert(_ s: Session) async throws {
        try await db.sql.insert(into: "sessions")
            .columns("token_hash", "user_id", "organization_id", "stage", "amr", "created_at", "last_seen_at", "expires_at", "verified_at",
                     "browser_hash", "browser_name")
            .values(SQLBind(Self.key(s.token)), SQLBind(s.userID), SQLBind(s.organizationID), SQLBind(s.stage.rawValue),
                    SQLBind(s.amr.joined(separator: " ")), SQLBind(s.createdAt.millis), SQLBind(s.lastSeenAt.millis),
                    SQLBind(s.expiresAt.millis), SQLBind(s.verifiedAt?.millis), SQLBind(s.browser?.idHash), SQLBind(s.browser?.name))
            .run()
    }

    /// The session and its user in one indexed join: the lookup every request makes.
    func find(token: String) async throws -> (session: Session, user: User)? {
        guard let row = try await db.sql.select()
            .columns(SQLUserRepository.columns.map { SQLColumn($0, table: "users") })
            .column(SQLColumn("stage", table: "sessions"))
            .column(SQLColumn("amr", table: "sessions"))
            .column(SQLAlias(SQLColumn("organization_id", table: "sessions"), as: SQLIdentifier("session_organization_id")))
            .column(SQLAlias(SQLColumn("created_at", table: "sessions"), as: SQLIdentifier("session_created_at")))
            .column(SQLColumn("last_seen_at", table: "sessions"))
            .column(SQLColumn("expires_at", table: "sessions"))
            .column(SQLColumn("verified_at", table: "sessions"))
            .column(SQLColumn("flash", table: "sessions"))
            .column(SQLColumn("browser_hash", table: "sessions"))
            .column(SQLColumn("browser_name", table: "sessions"))
            .from("sessions")
            .join("users", on: SQLColumn("user_id", table: "sessions"), .equal, SQLColumn("id", table: "users"))
            .where(SQLColumn("token_hash", table: "sessions"), .equal, SQLBind(Self.key(token)))
            .first() else { return nil }
        guard let stage = SessionStage(rawValue: try row.string("stage")) else { return nil }
        let user = try SQLUserRepository.decode(row)
        var browser: SessionBrowser?
        if let hash = try row.decode(column: "browser_hash", as: String?.self) {
            browser = SessionBrowser(idHash: hash, name: try row.decode(column: "browser_name", as: String?.self) ?? DeviceName.from(userAgent: nil))
        }
        let session = Session(token: token, userID: user.id, organizationID: try row.string("session_organization_id"),
                              stage: stage, amr: try row.string("amr").split(separator: " ").map(String.init),
                              createdAt: try row.date("session_created_at"), lastSeenAt: try row.date("last_seen_at"),
                              expiresAt: try row.date("expires_at"), verifiedAt: try row.optionalDate("verified_at"),
                              sealedFlash: try row.decode(column: "flash", as: Data?.self), browser: browser)
        return (session, user)
    }

    func touch(token: String, at: Date) async throws {
        try await db.sql.update("sessions").set("last_seen_at", to: at.millis).where("token_hash", .equal, Self.key(token)).run()
    }

    func setVerified(token: String, at: Date) async throws {
        try await db.sql.update("sessions").set("verified_at", to: at.millis).where("token_hash", .equal, Self.key(token)).run()
    }

    func setFlash(token: String, sealed: Data?) async throws {
        try await db.sql.update("sessions").set("flash", to: SQLBind(sealed)).where("token_hash", .equal, Self.key(token)).run()
    }

    func delete(token: String) async throws {
        try await db.sql.delete(from: "sessions").where("token_hash", .equal, Self.key(token)).run()
    }

    func deleteAll(userID: String, stage: SessionStage?, exceptToken: String?) async throws {
        var delete = db.sql.delete(from: "sessions").where("user_id", .equal, userID)
        if let stage { delete = delete.where("stage", .equal, stage.rawValue) }
        if let exceptToken { delete = delete.where("token_hash", .notEqual, Self.key(exceptToken)) }
        try await delete.run()
    }

    func deleteExpired(before: Date, idleSince: Date) async throws {
        try await db.sql.delete(from: "sessions")
            .where("expires_at", .lessThanOrEqual, before.millis)
            .orWhere("last_seen_at", .lessThan, idleSince.millis)
            .run()
    }
}
