import Foundation
import PortcullisCore
@testable import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing

/// The audit log's pages must stay fast on a million events (issue 10 point 5): each page reads its rows off one of
/// migration 10's indexes in order, and never sorts the table. Checked with the engines' own plans over a few
/// thousand rows with statistics (`bench/` measures a million).
@Suite("Audit log page plans: an index in order, no sort of the table, on SQLite and PostgreSQL")
struct AuditQueryPlanTests {
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    /// 6,000 events over two organizations, 40 users and the usual mix of types, then the statistics.
    static func fill(_ db: PortcullisDatabase) async throws -> (org: String, user: String) {
        let types: [AuditEventType] = Array(repeating: .signInSucceeded, count: 8) + Array(repeating: .factorSucceeded, count: 8)
            + [.signInFailed, .signInFailed, .factorFailed, .codeSent, .accountLocked, .tokenAssigned, .userUpdated]
        let repository = SQLAuditRepository(db: db)
        for chunk in 0..<12 {
            let events = (0..<500).map { n in
                let i = chunk * 500 + n
                return AuditEvent(id: String(format: "ev-%06d", i), organizationID: i % 5 == 0 ? "org-b" : "org-a", userID: "user-\(i % 40)",
                                  actor: .user("user-\(i % 40)"), type: types[i % types.count], ipAddress: "192.0.2.1",
                                  detail: ["stage": "password"], createdAt: t0.addingTimeInterval(Double(i / 3) / 10))
            }
            try await repository.append(events)
        }
        try await db.sql.raw(db.engine == .postgres ? "ANALYZE audit_events" : "ANALYZE").run()
        return ("org-a", "user-1")
    }

    /// The plan's lines for a page statement.
    static func plan(_ db: PortcullisDatabase, _ query: AuditQuery) async throws -> [String] {
        let statement = try #require(SQLAuditRepository.statement(query))
        switch db.engine {
        case .sqlite:
            return try await db.sql.raw("EXPLAIN QUERY PLAN \(statement)").all().map { try $0.decode(column: "detail", as: String.self) }
        case .postgres:
            return try await db.sql.raw("EXPLAIN \(statement)").all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
        }
    }

    @Test("First, deep, per-user, per-type, time-range and outcome pages read an index in order", arguments: TestDatabase.engines)
    func pagesUseTheIndexes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let (org, user) = try await Self.fill(db)
            let deep = AuditCursor(createdAt: Self.t0.addingTimeInterval(10), id: "ev-000300")
            let cases: [(String, AuditQuery, String)] = [
                ("first page", AuditQuery(organizationID: org), "audit_events_org_keyset"),
                ("deep page", AuditQuery(organizationID: org, after: deep), "audit_events_org_keyset"),
                ("one user", AuditQuery(organizationID: org, userID: user), "audit_events_org_user_keyset"),
                ("one user, deep", AuditQuery(organizationID: org, userID: user, after: deep), "audit_events_org_user_keyset"),
                ("one type", AuditQuery(organizationID: org, types: [.accountLocked]), "audit_events_org_type_keyset"),
                ("one type, deep", AuditQuery(organizationID: org, types: [.accountLocked], after: deep), "audit_events_org_type_keyset"),
                ("time range", AuditQuery(organizationID: org, from: Self.t0.addingTimeInterval(20), to: Self.t0.addingTimeInterval(90)), "audit_events_org_keyset"),
                ("failures", AuditQuery(organizationID: org, outcome: .failure), "audit_events_org_keyset"),
                ("every organization", AuditQuery(organizationID: nil, after: deep), "audit_events_keyset"),
            ]
            for (name, query, index) in cases {
                let lines = try await Self.plan(db, query)
                let text = lines.joined(separator: "\n")
                switch engine {
                case .sqlite:
                    // SQLite's planner picks by the indexes' shape: the one named, searched in order.
                    #expect(text.contains("USING INDEX \(index)") || text.contains("USING COVERING INDEX \(index)"), "\(name): not read through \(index):\n\(text)")
                    #expect(!text.contains("TEMP B-TREE"), "\(name): sorted:\n\(text)")
                case .postgres:
                    // PostgreSQL's picks by cost among the audit indexes; a page past a cursor near the oldest row may
                    // sort the few rows left in the index range, never the table.
                    #expect(text.contains("audit_events_") && text.contains("Index"), "\(name): no audit index:\n\(text)")
                    #expect(!text.contains("Seq Scan"), "\(name): table scan:\n\(text)")
                    if query.after == nil {
                        #expect(!lines.contains { $0.contains("Sort") }, "\(name): sorted:\n\(text)")
                        #expect(text.contains("Index Scan Backward"), "\(name): not in index order:\n\(text)")
                    }
                }
            }
            // The pages agree with the rows: the deep page starts right after its cursor.
            let page = try await SQLAuditRepository(db: db).query(AuditQuery(organizationID: org, after: deep, limit: 3))
            #expect(page.map(\.id) == ["ev-000299", "ev-000298", "ev-000297"])
        }
    }
}
