import Foundation

/// Reading the audit log (SPEC §4.4), for the admin pages, the admin API and the command line alike: pages newest
/// first with keyset paging, and exports as CSV or JSON lines, streamed a batch at a time. Everything is read
/// through an `AdminScope`: an organization's admin sees that organization's rows only, whatever organization or
/// user the query names. Each export is itself audited, with its filter.
public struct AuditTrail: Sendable {
    let repositories: Repositories
    let audit: AuditLog
    /// Rows per statement while exporting.
    let batch: Int

    public init(repositories: Repositories, audit: AuditLog, batch: Int = 1000) {
        self.repositories = repositories
        self.audit = audit
        self.batch = batch
    }

    /// The most rows one page shows.
    public static let maxPageSize = 500

    /// One page of the events matching `query` that the scope may see, newest first, with their names, and the
    /// cursor of the next page (nil on the last).
    public func page(_ query: AuditQuery, scope: AdminScope) async throws -> (entries: [AuditEntry], next: AuditCursor?) {
        guard var query = try await scoped(query, scope) else { return ([], nil) }
        let limit = max(1, min(query.limit, Self.maxPageSize))
        query.limit = limit + 1
        var events = try await repositories.audit.query(query)
        let more = events.count > limit
        if more { events.removeLast(events.count - limit) }
        return (try await named(events), more ? events.last.map(AuditCursor.init(after:)) : nil)
    }

    /// Starts an export of every event matching `query` (from `query.after` on) that the scope may see: records it
    /// in the audit log (who, from where, the filter and format), then hands back what writes it. Nothing is read
    /// yet, so a refusal comes before a response starts.
    public func startExport(_ query: AuditQuery, scope: AdminScope, format: AuditExportFormat, ip: String? = nil) async throws -> AuditExportRun {
        let scopedQuery = try await scoped(query, scope)
        let recorded = scopedQuery ?? query
        // In the exporter's own organization's log, also when they asked for another's (and got nothing).
        try await audit.record(.auditExported, organizationID: scope.organizationID ?? recorded.organizationID, userID: nil, actor: scope.actor,
                               ip: ip, detail: .auditExported(format: format.rawValue, query: recorded))
        return AuditExportRun(trail: self, query: scopedQuery, format: format)
    }

    /// Exports every event matching `query` that the scope may see, in `format`, handing the text to `write` a batch
    /// of rows at a time (never the whole export at once); returns the number of rows.
    @discardableResult
    public func export(_ query: AuditQuery, scope: AdminScope, format: AuditExportFormat, ip: String? = nil,
                       write: (String) async throws -> Void) async throws -> Int {
        try await startExport(query, scope: scope, format: format, ip: ip).write(write)
    }

    /// The query narrowed to the scope: an organization admin's own organization, nothing at all if the query names
    /// another. A user's events are read within their organization (its index), when the query names none.
    func scoped(_ query: AuditQuery, _ scope: AdminScope) async throws -> AuditQuery? {
        var query = query
        if let own = scope.organizationID {
            if let named = query.organizationID, named != own { return nil }
            query.organizationID = own
        } else if query.organizationID == nil, let userID = query.userID, let user = try await repositories.users.find(id: userID) {
            query.organizationID = user.organizationID
        }
        if let from = query.from, let to = query.to, from >= to { return nil }
        return query
    }

    /// Events with their names, from one lookup for the whole batch.
    func named(_ events: [AuditEvent]) async throws -> [AuditEntry] {
        guard !events.isEmpty else { return [] }
        let ids = AuditEntry.ids(in: events)
        return AuditEntry.named(events, try await repositories.audit.names(userIDs: ids.users, apiKeyIDs: ids.apiKeys))
    }
}

/// An export that was started (and audited): writes the header and every matching row, a batch at a time.
public struct AuditExportRun: Sendable {
    let trail: AuditTrail
    /// Nil when the scope may see nothing of what was asked: the export holds the header only.
    let query: AuditQuery?
    public let format: AuditExportFormat

    /// Writes the export to `write`, one call for the header and one per batch of rows; returns the number of rows.
    @discardableResult
    public func write(_ write: (String) async throws -> Void) async throws -> Int {
        let header = AuditExportEncoding.header(format)
        if !header.isEmpty { try await write(header) }
        guard let query else { return 0 }
        var count = 0
        try await trail.repositories.audit.stream(query, batch: trail.batch) { events in
            var text = ""
            for entry in try await trail.named(events) { text += AuditExportEncoding.line(entry, format) }
            count += events.count
            try await write(text)
        }
        return count
    }
}
