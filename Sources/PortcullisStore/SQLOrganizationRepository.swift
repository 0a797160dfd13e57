import Foundation
import PortcullisCore
import SQLKit

struct SQLOrganizationRepository: OrganizationRepository {
    let db: PortcullisDatabase
    /// The server's policy: what an organization's unsaved settings are.
    let defaults: SecurityPolicy

    func insert(_ o: Organization) async throws {
        try await db.sql.insert(into: "organizations")
            .columns("id", "slug", "name", "created_at", "settings")
            .values(SQLBind(o.id), SQLBind(o.slug), SQLBind(o.name), SQLBind(o.createdAt.millis), SQLBind(try Self.encode(o.policy)))
            .run()
    }

    func find(id: String) async throws -> Organization? {
        try await query().where("id", .equal, id).first().map(decode)
    }

    func find(slug: String) async throws -> Organization? {
        try await query().where("slug", .equal, slug).first().map(decode)
    }

    func list() async throws -> [Organization] {
        try await query().orderBy("slug").all().map(decode)
    }

    func updatePolicy(id: String, _ policy: OrganizationPolicy) async throws {
        try await db.sql.update("organizations").set("settings", to: try Self.encode(policy)).where("id", .equal, id).run()
    }

    static let columns = ["id", "slug", "name", "created_at", "settings"]

    private func query() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("organizations")
    }

    static func encode(_ policy: OrganizationPolicy) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(policy), as: UTF8.self)
    }

    /// An organization row; settings missing from its stored policy take the server's (`defaults`).
    func decode(_ row: any SQLRow) throws -> Organization {
        let decoder = JSONDecoder()
        decoder.userInfo[OrganizationPolicy.defaultsKey] = defaults
        let policy = try decoder.decode(OrganizationPolicy.self, from: Data(try row.string("settings").utf8))
        return Organization(id: try row.string("id"), slug: try row.string("slug"), name: try row.string("name"),
                            createdAt: try row.date("created_at"), policy: policy)
    }
}
