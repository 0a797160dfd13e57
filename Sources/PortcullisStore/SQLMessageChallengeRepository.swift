import Foundation
import PortcullisCore
import SQLKit

struct SQLMessageChallengeRepository: MessageChallengeRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "user_id", "factor_id", "code_hash", "salt", "attempts", "created_at", "expires_at",
                          "consumed_at", "inbound_code", "inbound_confirmed_at"]

    func reserve(_ c: MessageChallenge, cooldownSince: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            INSERT INTO message_challenges (id, user_id, factor_id, code_hash, salt, attempts, created_at, expires_at,
                                            consumed_at, inbound_code, inbound_confirmed_at)
            VALUES (\(bind: c.id), \(bind: c.userID), \(bind: c.factorID), \(bind: Data(c.codeHash)), \(bind: Data(c.salt)),
                    0, \(bind: c.createdAt.millis), \(bind: c.expiresAt.millis), NULL, \(bind: c.inboundCode), NULL)
            ON CONFLICT (factor_id) DO UPDATE SET
              id = excluded.id, user_id = excluded.user_id, code_hash = excluded.code_hash, salt = excluded.salt,
              attempts = 0, created_at = excluded.created_at, expires_at = excluded.expires_at, consumed_at = NULL,
              inbound_code = excluded.inbound_code, inbound_confirmed_at = NULL
            WHERE message_challenges.consumed_at IS NOT NULL OR message_challenges.created_at <= \(bind: cooldownSince.millis)
            RETURNING id
            """).first()
        return row != nil
    }

    func delete(id: String) async throws {
        try await db.sql.delete(from: "message_challenges").where("id", .equal, id).run()
    }

    func latest(factorID: String) async throws -> MessageChallenge? {
        try await select().where("factor_id", .equal, factorID).first().map(Self.decode)
    }

    func countAttempt(id: String, limit: Int) async throws -> Int? {
        let row = try await db.sql.raw("""
            UPDATE message_challenges SET attempts = attempts + 1 WHERE id = \(bind: id) AND attempts < \(bind: limit) RETURNING attempts
            """).first()
        return try row?.decode(column: "attempts", as: Int.self)
    }

    func consume(id: String, at: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            UPDATE message_challenges SET consumed_at = \(bind: at.millis) WHERE id = \(bind: id) AND consumed_at IS NULL RETURNING id
            """).first()
        return row != nil
    }

    func findInbound(code: String, at now: Date) async throws -> MessageChallenge? {
        try await select().where("inbound_code", .equal, code).where("consumed_at", .is, SQLLiteral.null)
            .where("expires_at", .greaterThan, now.millis).first().map(Self.decode)
    }

    func markInboundConfirmed(id: String, at: Date) async throws {
        try await db.sql.update("message_challenges").set("inbound_confirmed_at", to: at.millis).where("id", .equal, id).run()
    }

    func deleteExpired(before: Date) async throws {
        try await db.sql.delete(from: "message_challenges").where("expires_at", .lessThan, before.millis).run()
    }

    private func select() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("message_challenges")
    }

    static func decode(_ row: any SQLRow) throws -> MessageChallenge {
        MessageChallenge(
            id: try row.string("id"), userID: try row.string("user_id"), factorID: try row.string("factor_id"),
            codeHash: Array(try row.decode(column: "code_hash", as: Data.self)), salt: Array(try row.decode(column: "salt", as: Data.self)),
            attempts: try row.decode(column: "attempts", as: Int.self), createdAt: try row.date("created_at"),
            expiresAt: try row.date("expires_at"), consumedAt: try row.optionalDate("consumed_at"),
            inboundCode: try row.optionalString("inbound_code"), inboundConfirmedAt: try row.optionalDate("inbound_confirmed_at"))
    }
}
