import Foundation
import PortcullisCore
import PortcullisCrypto
import SQLKit

struct SQLTokenRepository: TokenRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "organization_id", "serial", "sealed_seed", "algorithm", "digits", "counter", "state",
                          "user_id", "lent_until", "created_at", "last_used_at"]

    func insert(_ tokens: [HardwareToken]) async throws {
        guard !tokens.isEmpty else { return }
        try await db.transaction { sql in
            for chunk in stride(from: 0, to: tokens.count, by: 200).map({ Array(tokens[$0..<min($0 + 200, tokens.count)]) }) {
                var insert = sql.insert(into: "hardware_tokens").columns(Self.columns)
                for t in chunk {
                    insert = insert.values(
                        SQLBind(t.id), SQLBind(t.organizationID), SQLBind(t.serial), SQLBind(t.sealedSeed),
                        SQLBind(t.algorithm.rawValue), SQLBind(t.digits), SQLBind(t.counter), SQLBind(t.state.rawValue),
                        SQLBind(t.userID), SQLBind(t.lentUntil?.millis), SQLBind(t.createdAt.millis), SQLBind(t.lastUsedAt?.millis))
                }
                try await insert.run()
            }
        }
    }

    func find(id: String) async throws -> HardwareToken? {
        try await select().where("id", .equal, id).first().map(Self.decode)
    }

    func find(serial: String) async throws -> HardwareToken? {
        try await select().where("serial", .equal, serial).first().map(Self.decode)
    }

    func list(organizationID: String?) async throws -> [HardwareToken] {
        let query = organizationID.map { select().where("organization_id", .equal, $0) }
            ?? select().where("organization_id", .is, SQLLiteral.null)
        return try await query.orderBy("serial").all().map(Self.decode)
    }

    func list(userID: String) async throws -> [HardwareToken] {
        try await select().where("user_id", .equal, userID).orderBy("serial").all().map(Self.decode)
    }

    func assign(id: String, userID: String, until: Date?) async throws -> Bool {
        let state = until == nil ? TokenState.assigned : .lent
        let row = try await db.sql.raw("""
            UPDATE hardware_tokens SET state = \(bind: state.rawValue), user_id = \(bind: userID), lent_until = \(bind: until?.millis)
            WHERE id = \(bind: id) AND state = \(bind: TokenState.unassigned.rawValue) RETURNING id
            """).first()
        return row != nil
    }

    func unassign(id: String) async throws {
        try await db.sql.update("hardware_tokens").set("state", to: TokenState.unassigned.rawValue)
            .set("user_id", to: SQLLiteral.null).set("lent_until", to: SQLLiteral.null)
            .where("id", .equal, id).run()
    }

    func setDisabled(id: String, _ disabled: Bool) async throws {
        try await db.sql.update("hardware_tokens")
            .set("state", to: (disabled ? TokenState.disabled : .unassigned).rawValue)
            .where("id", .equal, id).run()
    }

    func advanceCounter(id: String, to value: Int64, at: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            UPDATE hardware_tokens SET counter = \(bind: value), last_used_at = \(bind: at.millis)
            WHERE id = \(bind: id) AND counter < \(bind: value) RETURNING id
            """).first()
        return row != nil
    }

    func dueLoans(at now: Date, userID: String?) async throws -> [HardwareToken] {
        var query = select().where("state", .equal, TokenState.lent.rawValue).where("lent_until", .lessThanOrEqual, now.millis)
        if let userID { query = query.where("user_id", .equal, userID) }
        return try await query.all().map(Self.decode)
    }

    private func select() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("hardware_tokens")
    }

    static func decode(_ row: any SQLRow) throws -> HardwareToken {
        HardwareToken(
            id: try row.string("id"), organizationID: try row.optionalString("organization_id"), serial: try row.string("serial"),
            sealedSeed: try row.decode(column: "sealed_seed", as: Data.self),
            algorithm: OTPAlgorithm(rawValue: try row.string("algorithm")) ?? .sha1,
            digits: try row.decode(column: "digits", as: Int.self), counter: try row.decode(column: "counter", as: Int64.self),
            state: TokenState(rawValue: try row.string("state")) ?? .disabled, userID: try row.optionalString("user_id"),
            lentUntil: try row.optionalDate("lent_until"), createdAt: try row.date("created_at"),
            lastUsedAt: try row.optionalDate("last_used_at"))
    }
}
