import Foundation
import PortcullisCore
import SQLKit

struct SQLAuditRepository: AuditRepository {
    let db: PortcullisDatabase
    static let columns = ["id", "organization_id", "user_id", "actor", "type", "reason", "ip_address", "detail", "created_at"]

    func append(_ e: AuditEvent) async throws {
        try await append([e])
    }

    /// One multi-row INSERT.
    func append(_ events: [AuditEvent]) async throws {
        guard !events.isEmpty else { return }
        var insert = db.sql.insert(into: "audit_events").columns(Self.columns)
        for e in events {
            let detail = String(decoding: try JSONEncoder.sorted.encode(e.detail), as: UTF8.self)
            insert = insert.values(SQLBind(e.id), SQLBind(e.organizationID), SQLBind(e.userID), SQLBind(e.actor?.stored), SQLBind(e.type.rawValue),
                                   SQLBind(e.reason), SQLBind(e.ipAddress), SQLBind(detail), SQLBind(e.createdAt.millis))
        }
        try await insert.run()
    }

    func list(organizationID: String?, userID: String?, limit: Int) async throws -> [AuditEvent] {
        try await query(AuditQuery(organizationID: organizationID, userID: userID, limit: limit))
    }

    /// One statement on both engines. The keyset condition `(created_at, id) < (t, id)` is written as
    /// `created_at <= t AND (created_at < t OR id < id)`: the first half bounds the index range on either engine, the
    /// second drops the rows of the cursor's own millisecond up to and including it. Migration 10's indexes
    /// (organization, [user or type,] created_at, id) and (created_at, id) give the order without a sort.
    func query(_ q: AuditQuery) async throws -> [AuditEvent] {
        guard let statement = Self.statement(q) else { return [] }
        return try await db.sql.raw(statement).all().compactMap(Self.decode)
    }

    /// Keyset pages of `batch` rows, each its own short statement (no transaction or cursor held open while the
    /// caller writes); the next page starts after the last row read, whether or not this version knows its type.
    func stream(_ q: AuditQuery, batch: Int, _ body: ([AuditEvent]) async throws -> Void) async throws {
        var page = q
        page.limit = max(1, min(batch, 10_000))
        while let statement = Self.statement(page) {
            let rows = try await db.sql.raw(statement).all()
            let events = try rows.compactMap(Self.decode)
            if !events.isEmpty { try await body(events) }
            guard rows.count == page.limit, let last = rows.last else { return }
            page.after = AuditCursor(createdAt: try last.date("created_at"), id: try last.string("id"))
        }
    }

    /// The page statement for `q`; nil when no row can match (no type passes the filters).
    static func statement(_ q: AuditQuery) -> SQLQueryString? {
        var conditions: [SQLQueryString] = []
        if let organizationID = q.organizationID { conditions.append("organization_id = \(bind: organizationID)") }
        if let userID = q.userID { conditions.append("user_id = \(bind: userID)") }
        if let types = q.matchingTypes {
            switch types.count {
            case 0: return nil
            case 1: conditions.append("type = \(bind: types[0].rawValue)")
            default: conditions.append("type IN (\(SQLList(types.map { SQLBind($0.rawValue) })))")
            }
        }
        if let from = q.from { conditions.append("created_at >= \(bind: from.millis)") }
        if let to = q.to { conditions.append("created_at < \(bind: to.millis)") }
        if let after = q.after {
            conditions.append("created_at <= \(bind: after.millis) AND (created_at < \(bind: after.millis) OR id < \(bind: after.id))")
        }
        var statement: SQLQueryString = "SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM audit_events"
        for (index, condition) in conditions.enumerated() {
            statement = "\(statement) \(unsafeRaw: index == 0 ? "WHERE" : "AND") \(condition)"
        }
        return "\(statement) ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, min(q.limit, 10_000)))"
    }

    func names(userIDs: Set<String>, apiKeyIDs: Set<String>) async throws -> AuditNames {
        var names = AuditNames()
        if !userIDs.isEmpty {
            let rows = try await db.sql.select().columns("id", "username").from("users")
                .where("id", .in, userIDs.sorted()).all()
            for row in rows { names.usernames[try row.string("id")] = try row.string("username") }
        }
        if !apiKeyIDs.isEmpty {
            let rows = try await db.sql.select().columns("id", "name").from("api_keys")
                .where("id", .in, apiKeyIDs.sorted()).all()
            for row in rows { names.apiKeyNames[try row.string("id")] = try row.string("name") }
        }
        return names
    }

    /// An event row; nil for a type this version does not know (written by a newer one).
    static func decode(_ row: any SQLRow) throws -> AuditEvent? {
        guard let type = AuditEventType(rawValue: try row.string("type")) else { return nil }
        let detail = try JSONDecoder().decode([String: String].self, from: Data(try row.string("detail").utf8))
        return AuditEvent(id: try row.string("id"), organizationID: try row.optionalString("organization_id"),
                          userID: try row.optionalString("user_id"), actor: try row.optionalString("actor").flatMap(AuditActor.init(stored:)),
                          type: type, reason: try row.optionalString("reason"), ipAddress: try row.optionalString("ip_address"),
                          detail: detail, createdAt: try row.date("created_at"))
    }
}
