import Foundation
import PortcullisCore
import SQLKit

extension SQLUserRepository {
    /// The admin users list: text search over username, name and email (any case), the filters, and keyset paging by
    /// username, in one statement with each row's count of possession factors.
    func search(_ q: UserQuery) async throws -> [UserListing] {
        let types = q.possessionTypes.isEmpty ? [SQLBind("")] : q.possessionTypes.map { SQLBind($0.rawValue) }
        let factorCount: SQLQueryString = """
            (SELECT COUNT(*) FROM factors f WHERE f.user_id = u.id AND f.confirmed = 1 AND f.type IN (\(SQLList(types))))
            """
        let required: SQLQueryString = """
            (\(unsafeRaw: q.everyoneRequired ? "1 = 1" : "1 = 0") OR u.mfa_required = 1 OR EXISTS (SELECT 1 FROM user_group_members m
              JOIN user_groups g ON g.id = m.group_id WHERE m.user_id = u.id AND g.mfa_required = 1))
            """
        var conditions: [SQLQueryString] = ["u.organization_id = \(bind: q.organizationID)"]
        if let text = q.text?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty {
            let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("""
                (u.username LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(u.display_name) LIKE \(bind: pattern) ESCAPE '\\'
                 OR LOWER(COALESCE(u.email, '')) LIKE \(bind: pattern) ESCAPE '\\')
                """)
        }
        if let disabled = q.disabled { conditions.append("u.disabled = \(bind: disabled ? 1 : 0)") }
        if let locked = q.locked {
            let isLocked: SQLQueryString = "(u.lock_needs_admin = 1 OR (u.locked_until IS NOT NULL AND u.locked_until > \(bind: q.now.millis)))"
            conditions.append(locked ? isLocked : "NOT \(isLocked)")
        }
        if let groupID = q.groupID {
            conditions.append("EXISTS (SELECT 1 FROM user_group_members gm WHERE gm.user_id = u.id AND gm.group_id = \(bind: groupID))")
        }
        switch q.mfa {
        case .enabled?: conditions.append("\(factorCount) > 0")
        case .pending?: conditions.append("\(factorCount) = 0 AND \(required)")
        case .none?: conditions.append("\(factorCount) = 0 AND NOT \(required)")
        case nil: break
        }
        if let after = q.after { conditions.append("u.username > \(bind: after)") }
        var whereClause: SQLQueryString = "\(conditions[0])"
        for condition in conditions.dropFirst() { whereClause = "\(whereClause) AND \(condition)" }
        let columns = SQLList(Self.columns.map { SQLColumn($0, table: "u") })
        let rows = try await db.sql.raw("""
            SELECT \(columns), \(factorCount) AS possession_factors FROM users u WHERE \(whereClause)
            ORDER BY u.username LIMIT \(bind: max(1, min(q.limit, 500)))
            """).all()
        return try rows.map { row in
            UserListing(user: try Self.decode(row), possessionFactorCount: try row.decode(column: "possession_factors", as: Int.self))
        }
    }
}
