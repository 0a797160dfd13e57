import Foundation
import PortcullisCore
import SQLKit

struct SQLAuditRepository: AuditRepository {
    let db: PortcullisDatabase

    func append(_ e: AuditEvent) async throws {
        try await append([e])
    }

    /// One multi-row INSERT.
    func append(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        var insert = db.sql.insert(into: "audit_events")
            .columns("id", "organization_id", "user_id", "actor", "type", "reason", "ip_address", "detail", "created_at")
        for e in events {
            let detail = String(decoding: try JSONEncoder.sorted.encode(e.detail), as: UTF8.self)
            insert = insert.values(SQLBind(e.id), SQLBind(e.organizationID), SQLBind(e.userID), SQLBind(e.actor?.stored), SQLBind(e.type.rawValue),
                                   SQLBind(e.reason), SQLBind(e.ipAddress), SQLBind(detail), SQLBind(e.createdAt.millis))
        }
        try await insert.run()
    }

    func list(organizationID: String?, userID: String?, limit: Int) async throws -> [AuditEvent] {
        var query = db.sql.select()
            .columns("id", "organization_id", "user_id", "actor", "type", "reason", "ip_address", "detail", "created_at")
            .from("audit_events")
        if let organizationID { query = query.where("organization_id", .equal, organizationID) }
        if let userID { query = query.where("user_id", .equal, userID) }
        return try await query.orderBy("created_at", .descending).orderBy("id").limit(limit).all().compactMap { row in
            guard let type = AuditEventType(rawValue: try row.string("type")) else { return nil }
            let detail = try JSONDecoder().decode([String: String].self, from: Data(try row.string("detail").utf8))
            return AuditEvent(id: try row.string("id"), organizationID: try row.optionalString("organization_id"),
                              userID: try row.optionalString("user_id"), actor: try row.optionalString("actor").flatMap(AuditActor.init(stored:)), type: type,
                              reason: try row.optionalString("reason"), ipAddress: try row.optionalString("ip_address"),
                              detail: detail, createdAt: try row.date("created_at"))
        }
    }
}
