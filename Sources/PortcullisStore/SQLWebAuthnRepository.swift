import Foundation
import PortcullisCore
import SQLKit

struct SQLWebAuthnRepository: WebAuthnRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "factor_id", "user_id", "public_key", "algorithm", "sign_count", "aaguid", "transports",
                          "backup_eligible", "backup_state", "created_at"]

    func insert(_ c: WebAuthnCredential) async throws {
        try await db.sql.insert(into: "webauthn_credentials").columns(Self.columns)
            .values(SQLBind(c.id), SQLBind(c.factorID), SQLBind(c.userID), SQLBind(Data(c.publicKey)), SQLBind(c.algorithm),
                    SQLBind(Int64(c.signCount)), SQLBind(Data(c.aaguid)), SQLBind(c.transports.joined(separator: " ")),
                    SQLBind(c.backupEligible ? 1 : 0), SQLBind(c.backupState ? 1 : 0), SQLBind(c.createdAt.millis))
            .run()
    }

    func find(id: String) async throws -> WebAuthnCredential? {
        try await select().where("id", .equal, id).first().map(Self.decode)
    }

    func find(factorID: String) async throws -> WebAuthnCredential? {
        try await select().where("factor_id", .equal, factorID).first().map(Self.decode)
    }

    func list(userID: String) async throws -> [WebAuthnCredential] {
        try await select().where("user_id", .equal, userID).orderBy("created_at").all().map(Self.decode)
    }

    func recordUse(id: String, previousSignCount: UInt32, signCount: UInt32, backupState: Bool) async throws -> Bool {
        let rows = try await db.sql.raw("""
            UPDATE webauthn_credentials SET sign_count = \(bind: Int64(signCount)), backup_state = \(bind: backupState ? 1 : 0)
            WHERE id = \(bind: id) AND sign_count = \(bind: Int64(previousSignCount)) RETURNING id
            """).all()
        return !rows.isEmpty
    }

    func storeChallenge(id: String, challenge: [UInt8], purpose: WebAuthnPurpose, binding: String, userID: String?, expiresAt: Date) async throws {
        try await db.sql.insert(into: "webauthn_challenges").columns("id", "challenge", "purpose", "binding", "user_id", "expires_at")
            .values(SQLBind(id), SQLBind(Data(challenge)), SQLBind(purpose.rawValue), SQLBind(binding), SQLBind(userID), SQLBind(expiresAt.millis))
            .run()
    }

    func deleteExpiredChallenges(before date: Date) async throws {
        try await db.sql.delete(from: "webauthn_challenges").where("expires_at", .lessThan, date.millis).run()
    }

    /// One DELETE … RETURNING: a challenge is used at most once, even by racing requests on two nodes.
    func takeChallenge(id: String, purpose: WebAuthnPurpose, binding: String, at now: Date) async throws -> (challenge: [UInt8], userID: String?)? {
        guard let row = try await db.sql.raw("""
            DELETE FROM webauthn_challenges WHERE id = \(bind: id) AND purpose = \(bind: purpose.rawValue) AND binding = \(bind: binding)
            RETURNING challenge, user_id, expires_at
            """).first() else { return nil }
        guard try row.date("expires_at") > now else { return nil }
        return (Array(try row.decode(column: "challenge", as: Data.self)), try row.optionalString("user_id"))
    }

    func userHandle(userID: String, create: @Sendable () -> String) async throws -> String {
        if let row = try await db.sql.select().column("handle").from("webauthn_user_handles").where("user_id", .equal, userID).first() {
            return try row.string("handle")
        }
        try await db.sql.raw("""
            INSERT INTO webauthn_user_handles (user_id, handle) VALUES (\(bind: userID), \(bind: create())) ON CONFLICT (user_id) DO NOTHING
            """).run()
        let row = try await db.sql.select().column("handle").from("webauthn_user_handles").where("user_id", .equal, userID).first()
        return try row?.string("handle") ?? ""
    }

    func user(handle: String) async throws -> String? {
        try await db.sql.select().column("user_id").from("webauthn_user_handles").where("handle", .equal, handle).first()?.string("user_id")
    }

    private func select() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("webauthn_credentials")
    }

    static func decode(_ row: any SQLRow) throws -> WebAuthnCredential {
        WebAuthnCredential(
            id: try row.string("id"), factorID: try row.string("factor_id"), userID: try row.string("user_id"),
            publicKey: Array(try row.decode(column: "public_key", as: Data.self)), algorithm: try row.decode(column: "algorithm", as: Int.self),
            signCount: UInt32(clamping: try row.decode(column: "sign_count", as: Int64.self)),
            aaguid: Array(try row.decode(column: "aaguid", as: Data.self)),
            transports: try row.string("transports").split(separator: " ").map(String.init),
            backupEligible: try row.bool("backup_eligible"), backupState: try row.bool("backup_state"), createdAt: try row.date("created_at"))
    }
}
