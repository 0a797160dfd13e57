import PortcullisCore
import SQLKit

struct SQLOrganizationRepository: OrganizationRepository {
    let db: PortcullisDatabase

    func insert(_ o: Organization) async throws {
        try await db.sql.insert(into: "organizations")
            .columns("id", "slug", "name", "created_at")
            .values(SQLBind(o.id), SQLBind(o.slug), SQLBind(o.name), SQLBind(o.createdAt.millis))
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

    private func query() -> SQLSelectBuilder {
        db.sql.select().columns("id", "slug", "name", "created_at").from("organizations")
    }

    static func decode(_ row: any SQLRow) throws -> Organization {
        Organization(id: try row.string("id"), slug: try row.string("slug"), name: try row.string("name"),
                     createdAt: try row.date("created_at"))
    }
}
