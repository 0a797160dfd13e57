import SQLKit

extension Migration {
    /// Indexes for the audit log's keyset pages, newest first (`ORDER BY created_at DESC, id DESC` after a cursor
    /// `(created_at, id)`), so that a page reads its rows straight off an index on both engines however many events
    /// there are: an organization's events, those of one type, those about one user, and every organization's (the
    /// command line's export). They replace migration 3's (organization, created_at) and (user, created_at), which
    /// left the order within one millisecond to a sort.
    static let auditKeyset = Migration(version: 10, name: "audit_keyset") { db in
        try await db.create(index: "audit_events_org_keyset").on("audit_events")
            .column("organization_id").column("created_at").column("id").run()
        try await db.create(index: "audit_events_org_user_keyset").on("audit_events")
            .column("organization_id").column("user_id").column("created_at").column("id").run()
        try await db.create(index: "audit_events_org_type_keyset").on("audit_events")
            .column("organization_id").column("type").column("created_at").column("id").run()
        try await db.create(index: "audit_events_keyset").on("audit_events").column("created_at").column("id").run()
        try await db.drop(index: "audit_events_org_time").run()
        try await db.drop(index: "audit_events_user_time").run()
    }
}
