import Foundation
import PortcullisCore
import SQLKit

/// Remembered devices, keyed by the SHA-256 of their cookie's series id. The counter moves in one conditional
/// `UPDATE … RETURNING` (the same on SQLite and PostgreSQL), so of many requests presenting one cookie exactly one
/// rotates it.
struct SQLRememberedDeviceRepository: RememberedDeviceRepository {
    let db: PortcullisDatabase

    static let columns = ["id", "user_id", "organization_id", "series_hash", "counter_hash", "previous_counter_hash", "rotated_at", "name",
                          "created_ip", "last_used_ip", "created_at", "last_used_at", "expires_at"]
    private static var columnList: String { columns.joined(separator: ", ") }

    func insert(_ d: RememberedDevice) async throws {
        try await db.sql.insert(into: "remembered_devices").columns(Self.columns)
            .values(SQLBind(d.id), SQLBind(d.userID), SQLBind(d.organizationID), SQLBind(d.seriesHash), SQLBind(d.counterHash),
                    SQLBind(d.previousCounterHash), SQLBind(d.rotatedAt?.millis), SQLBind(d.name), SQLBind(d.createdIP),
                    SQLBind(d.lastUsedIP), SQLBind(d.createdAt.millis), SQLBind(d.lastUsedAt?.millis), SQLBind(d.expiresAt.millis))
            .run()
    }

    func find(seriesHash: String) async throws -> RememberedDevice? {
        try await db.sql.select().columns(Self.columns).from("remembered_devices").where("series_hash", .equal, seriesHash).first()
            .map(Self.decode)
    }

    func rotate(seriesHash: String, userID: String, from counterHash: String, to newCounterHash: String, at: Date,
                ip: String) async throws -> RememberedDevice? {
        try await db.sql.raw("""
            UPDATE remembered_devices SET counter_hash = \(bind: newCounterHash), previous_counter_hash = \(bind: counterHash),
              rotated_at = \(bind: at.millis), last_used_at = \(bind: at.millis), last_used_ip = \(bind: ip)
            WHERE series_hash = \(bind: seriesHash) AND user_id = \(bind: userID) AND counter_hash = \(bind: counterHash)
              AND expires_at > \(bind: at.millis)
            RETURNING \(unsafeRaw: Self.columnList)
            """).first().map(Self.decode)
    }

    func list(userID: String) async throws -> [RememberedDevice] {
        try await db.sql.select().columns(Self.columns).from("remembered_devices").where("user_id", .equal, userID)
            .orderBy("created_at", .descending).orderBy("id").all().map(Self.decode)
    }

    func delete(id: String, userID: String) async throws -> Bool {
        try await db.sql.raw("DELETE FROM remembered_devices WHERE id = \(bind: id) AND user_id = \(bind: userID) RETURNING id").first() != nil
    }

    @discardableResult
    func deleteAll(userID: String) async throws -> Int {
        try await db.sql.raw("DELETE FROM remembered_devices WHERE user_id = \(bind: userID) RETURNING id").all().count
    }

    @discardableResult
    func deleteExpired(before: Date) async throws -> Int {
        try await db.sql.raw("DELETE FROM remembered_devices WHERE expires_at <= \(bind: before.millis) RETURNING id").all().count
    }

    static func decode(_ row: any SQLRow) throws -> RememberedDevice {
        RememberedDevice(id: try row.string("id"), userID: try row.string("user_id"), organizationID: try row.string("organization_id"),
                         seriesHash: try row.string("series_hash"), counterHash: try row.string("counter_hash"),
                         previousCounterHash: try row.optionalString("previous_counter_hash"), rotatedAt: try row.optionalDate("rotated_at"),
                         name: try row.string("name"), createdIP: try row.optionalString("created_ip"),
                         lastUsedIP: try row.optionalString("last_used_ip"), createdAt: try row.date("created_at"),
                         lastUsedAt: try row.optionalDate("last_used_at"), expiresAt: try row.date("expires_at"))
    }
}
