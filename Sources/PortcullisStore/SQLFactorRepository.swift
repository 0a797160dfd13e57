import Foundation
import PortcullisCore
import SQLKit

struct SQLFactorRepository: FactorRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "user_id", "type", "label", "sealed_secret", "parameters", "counter", "confirmed",
                          "is_default", "created_at", "last_used_at"]

    func insert(_ f: Factor) async throws {
        let parameters = String(decoding: try JSONEncoder.sorted.encode(f.parameters), as: UTF8.self)
        try await db.sql.insert(into: "factors").columns(Self.columns)
            .values(SQLBind(f.id), SQLBind(f.userID), SQLBind(f.type.rawValue), SQLBind(f.label), SQLBind(f.sealedSecret),
                    SQLBind(parameters), SQLBind(f.counter), SQLBind(f.confirmed ? 1 : 0), SQLBind(f.isDefault ? 1 : 0),
                    SQLBind(f.createdAt.millis), SQLBind(f.lastUsedAt?.millis))
            .run()
    }

    func find(id: String, userID: String) async throws -> Factor? {
        try await select().where("id", .equal, id).where("user_id", .equal, userID).first().map(Self.decode)
    }

    func list(userID: String) async throws -> [Factor] {
        try await select().where("user_id", .equal, userID).orderBy("created_at").orderBy("id").all().map(Self.decode)
    }

    func confirm(id: String, userID: String, at: Date) async throws {
        try await db.sql.update("factors").set("confirmed", to: 1).set("last_used_at", to: at.millis)
            .where("id", .equal, id).where("user_id", .equal, userID).run()
    }

    func rename(id: String, userID: String, label: String) async throws {
        try await db.sql.update("factors").set("label", to: label)
            .where("id", .equal, id).where("user_id", .equal, userID).run()
    }

    func setDefault(id: String, userID: String) async throws {
        try await db.sql.raw("""
            UPDATE factors SET is_default = CASE WHEN id = \(bind: id) THEN 1 ELSE 0 END WHERE user_id = \(bind: userID)
            """).run()
    }

    func delete(id: String, userID: String) async throws {
        try await db.sql.delete(from: "factors").where("id", .equal, id).where("user_id", .equal, userID).run()
    }

    func deleteUnconfirmed(userID: String, type: FactorType) async throws {
        try await db.sql.delete(from: "factors").where("user_id", .equal, userID)
            .where("type", .equal, type.rawValue).where("confirmed", .equal, 0).run()
    }

    func deleteUnconfirmed(createdBefore: Date) async throws {
        try await db.sql.delete(from: "factors").where("confirmed", .equal, 0).where("created_at", .lessThan, createdBefore.millis).run()
    }

    /// The replay guard: one conditional UPDATE, so of two nodes racing with the same code exactly one wins.
    func advanceCounter(id: String, to value: Int64, at: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            UPDATE factors SET counter = \(bind: value), last_used_at = \(bind: at.millis)
            WHERE id = \(bind: id) AND (counter IS NULL OR counter < \(bind: value)) RETURNING id
            """).first()
        return row != nil
    }

    func markUsed(id: String, at: Date) async throws {
        try await db.sql.update("factors").set("last_used_at", to: at.millis).where("id", .equal, id).run()
    }

    func replaceBackupCodes(factorID: String, hashes: [[UInt8]]) async throws {
        try await db.transaction { sql in
            try await sql.delete(from: "backup_codes").where("factor_id", .equal, factorID).run()
            guard !hashes.isEmpty else { return }
            var insert = sql.insert(into: "backup_codes").columns("factor_id", "idx", "code_hash", "used_at")
            for (index, hash) in hashes.enumerated() {
                insert = insert.values(SQLBind(factorID), SQLBind(index), SQLBind(Data(hash)), SQLBind(Int64?.none))
            }
            try await insert.run()
        }
    }

    func unusedBackupCodes(factorID: String) async throws -> [(index: Int, hash: [UInt8])] {
        try await db.sql.select().columns("idx", "code_hash").from("backup_codes")
            .where("factor_id", .equal, factorID).where("used_at", .is, SQLLiteral.null).orderBy("idx").all()
            .map { (try $0.decode(column: "idx", as: Int.self), Array(try $0.decode(column: "code_hash", as: Data.self))) }
    }

    func backupCodes(factorID: String) async throws -> [(index: Int, hash: [UInt8], used: Bool)] {
        try await db.sql.select().columns("idx", "code_hash", "used_at").from("backup_codes")
            .where("factor_id", .equal, factorID).orderBy("idx").all()
            .map { (try $0.decode(column: "idx", as: Int.self), Array(try $0.decode(column: "code_hash", as: Data.self)),
                    try $0.decode(column: "used_at", as: Int64?.self) != nil) }
    }

    func consumeBackupCode(factorID: String, index: Int, at: Date) async throws -> Bool {
        let row = try await db.sql.raw("""
            UPDATE backup_codes SET used_at = \(bind: at.millis)
            WHERE factor_id = \(bind: factorID) AND idx = \(bind: index) AND used_at IS NULL RETURNING idx
            """).first()
        return row != nil
    }

    private func select() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("factors")
    }

    static func decode(_ row: any SQLRow) throws -> Factor {
        let parameters = try JSONDecoder().decode([String: String].self, from: Data(try row.string("parameters").utf8))
        guard let type = FactorType(rawValue: try row.string("type")) else { throw RepositoryError.notFound }
        return Factor(id: try row.string("id"), userID: try row.string("user_id"), type: type, label: try row.string("label"),
                      sealedSecret: try row.decode(column: "sealed_secret", as: Data?.self), parameters: parameters,
                      counter: try row.decode(column: "counter", as: Int64?.self), confirmed: try row.bool("confirmed"),
                      isDefault: try row.bool("is_default"), createdAt: try row.date("created_at"),
                      lastUsedAt: try row.optionalDate("last_used_at"))
    }
}

extension JSONEncoder {
    /// Stable output (sorted keys) for JSON stored in text columns.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
