import Foundation
import PortcullisCore
import SQLKit

struct SQLGroupRepository: GroupRepository {
    let db: PortcullisDatabase

    func insert(_ g: Group) async throws {
        let inserted = try await db.sql.raw("""
            INSERT INTO user_groups (id, organization_id, name, name_key, mfa_required, created_at)
            VALUES (\(bind: g.id), \(bind: g.organizationID), \(bind: g.name), \(bind: Self.key(g.name)), \(bind: g.mfaRequired ? 1 : 0),
                    \(bind: g.createdAt.millis))
            ON CONFLICT (organization_id, name_key) DO NOTHING RETURNING id
            """).first()
        guard inserted != nil else { throw RepositoryError.conflict(g.name) }
    }

    func find(id: String) async throws -> Group? {
        try await select().where(SQLColumn("id", table: "g"), .equal, SQLBind(id)).first().map(Self.decode)
    }

    func list(organizationID: String) async throws -> [Group] {
        try await select().where(SQLColumn("organization_id", table: "g"), .equal, SQLBind(organizationID)).orderBy("name_key").all().map(Self.decode)
    }

    /// Renames only when no other group of the organization has the name (the unique index backs this up).
    func update(_ g: Group) async throws {
        let updated = try await db.sql.raw("""
            UPDATE user_groups SET name = \(bind: g.name), name_key = \(bind: Self.key(g.name)), mfa_required = \(bind: g.mfaRequired ? 1 : 0)
            WHERE id = \(bind: g.id) AND NOT EXISTS (
              SELECT 1 FROM user_groups o WHERE o.organization_id = \(bind: g.organizationID) AND o.name_key = \(bind: Self.key(g.name))
                AND o.id <> \(bind: g.id))
            RETURNING id
            """).first()
        guard updated != nil else {
            if try await find(id: g.id) == nil { throw RepositoryError.notFound }
            throw RepositoryError.conflict(g.name)
        }
    }

    func delete(id: String) async throws {
        try await db.sql.delete(from: "user_group_members").where("group_id", .equal, id).run()
        try await db.sql.delete(from: "user_groups").where("id", .equal, id).run()
    }

    func addMember(groupID: String, userID: String) async throws -> Bool {
        try await db.sql.raw("""
            INSERT INTO user_group_members (group_id, user_id) VALUES (\(bind: groupID), \(bind: userID))
            ON CONFLICT (group_id, user_id) DO NOTHING RETURNING user_id
            """).first() != nil
    }

    func removeMember(groupID: String, userID: String) async throws -> Bool {
        try await db.sql.raw("DELETE FROM user_group_members WHERE group_id = \(bind: groupID) AND user_id = \(bind: userID) RETURNING user_id")
            .first() != nil
    }

    func members(groupID: String) async throws -> [User] {
        try await db.sql.select().columns(SQLUserRepository.columns.map { SQLColumn($0, table: "u") }).from(SQLAlias(SQLIdentifier("users"), as: SQLIdentifier("u")))
            .join(SQLAlias(SQLIdentifier("user_group_members"), as: SQLIdentifier("m")), on: SQLColumn("user_id", table: "m"), .equal, SQLColumn("id", table: "u"))
            .where(SQLColumn("group_id", table: "m"), .equal, SQLBind(groupID))
            .orderBy(SQLColumn("username", table: "u")).all().map(SQLUserRepository.decode)
    }

    func groups(userID: String) async throws -> [Group] {
        try await select().join(SQLAlias(SQLIdentifier("user_group_members"), as: SQLIdentifier("m")),
                                on: SQLColumn("group_id", table: "m"), .equal, SQLColumn("id", table: "g"))
            .where(SQLColumn("user_id", table: "m"), .equal, SQLBind(userID)).orderBy("name_key").all().map(Self.decode)
    }

    func requiringMFA(userIDs: [String]) async throws -> [String: [String]] {
        guard !userIDs.isEmpty else { return [:] }
        let rows = try await db.sql.raw("""
            SELECT m.user_id, g.name FROM user_group_members m JOIN user_groups g ON g.id = m.group_id
            WHERE g.mfa_required = 1 AND m.user_id IN (\(SQLList(userIDs.map { SQLBind($0) })))
            ORDER BY g.name_key
            """).all()
        var names: [String: [String]] = [:]
        for row in rows { names[try row.string("user_id"), default: []].append(try row.string("name")) }
        return names
    }

    /// Groups with their member counts.
    private func select() -> SQLSelectBuilder {
        db.sql.select()
            .columns(["id", "organization_id", "name", "mfa_required", "created_at"].map { SQLColumn($0, table: "g") })
            .column(SQLRaw("(SELECT COUNT(*) FROM user_group_members c WHERE c.group_id = g.id)"), as: "member_count")
            .from(SQLAlias(SQLIdentifier("user_groups"), as: SQLIdentifier("g")))
    }

    /// Names are unique regardless of case.
    static func key(_ name: String) -> String { name.lowercased() }

    static func decode(_ row: any SQLRow) throws -> Group {
        Group(id: try row.string("id"), organizationID: try row.string("organization_id"), name: try row.string("name"),
              mfaRequired: try row.bool("mfa_required"), createdAt: try row.date("created_at"),
              memberCount: try row.decode(column: "member_count", as: Int.self))
    }
}
