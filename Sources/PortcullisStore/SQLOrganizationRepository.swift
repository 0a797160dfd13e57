import Foundation
import PortcullisCore
import SQLKit

struct SQLOrganizationRepository: OrganizationRepository {
    let db: PortcullisDatabase

    func insert(_ o: Organization) async throws {
        try await db.sql.insert(into: "organizations")
            .columns("id", "slug", "name", "created_at", "settings")
            .values(SQLBind(o.id), SQLBind(o.slug), SQLBind(o.name), SQLBind(o.createdAt.millis), SQLBind(try Self.encode(o.settings)))
            .run()
    }

    func find(id: String) async throws -> Organization? {
        try await query().where("id", .equal, id).first().map(Self.decode)
    }

    func find(slug: String) async throws -> Organization? {
        try await query().where("slug", .equal, slug).first().map(Self.decode)
    }

    func list() async throws -> [Organization] {
        try await query().orderBy("slug").all().map(Self.decode)
    }

    func updateSettings(id: String, _ settings: OrganizationSettings) async throws {
        try await db.sql.update("organizations").set("settings", to: try Self.encode(settings)).where("id", .equal, id).run()
    }

    static let columns = ["id", "slug", "name", "created_at", "settings"]

    private func query() -> SQLSelectBuilder {
        db.sql.select().columns(Self.columns).from("organizations")
    }

    static func encode(_ settings: OrganizationSettings) throws -> String {
        String(decoding: try JSONEncoder.sorted.encode(settings), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> Organization {
        let settings = try JSONDecoder().decode(OrganizationSettings.self, from: Data(try row.string("settings").utf8))
        return Organization(id: try row.string("id"), slug: try row.string("slug"), name: try row.string("name"),
                            createdAt: try row.date("created_at"), settings: settings)
    }
}
