import Foundation
import OpenAPIRuntime
import PortcullisAdminAPI
import PortcullisCore

/// The audit log (SPEC §4.4) through `AuditTrail`, within the key's scope: newest first with keyset paging, and the
/// filtered set exported as CSV or JSON lines, streamed a batch at a time (the export is itself audited).
extension AdminAPI {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let caller = try caller
        let q = input.query
        var query = try await auditQuery(org: q.org, userID: q.userId, type: q._type, outcome: q.outcome?.rawValue, since: q.since,
                                         until: q.until, caller: caller)
        query.limit = q.limit ?? 50
        guard (1...AuditTrail.maxPageSize).contains(query.limit) else { throw AdminAPIProblem.badParameter("limit") }
        if let cursor = q.cursor {
            guard let after = AuditCursor(token: cursor) else { throw AdminAPIProblem.badCursor }
            query.after = after
        }
        let (entries, next) = try await app.auditTrail.page(query, scope: caller.scope)
        return .ok(.init(body: .json(.init(items: entries.map(Self.auditEventSchema), next: next?.token))))
    }

    func exportAuditEvents(_ input: Operations.ExportAuditEvents.Input) async throws -> Operations.ExportAuditEvents.Output {
        let caller = try caller
        let q = input.query
        let query = try await auditQuery(org: q.org, userID: q.userId, type: q._type, outcome: q.outcome?.rawValue, since: q.since,
                                         until: q.until, caller: caller)
        let format: AuditExportFormat = q.format == .csv ? .csv : .jsonl
        // Started (and audited) before the response, so a refusal is still a problem document; then the body pulls
        // one keyset page at a time as the client reads (never the whole export in memory).
        _ = try await app.auditTrail.startExport(query, scope: caller.scope, format: format, ip: caller.ip)
        let pages = AuditExportPages(trail: app.auditTrail, query: query, scope: caller.scope, format: format)
        let body = HTTPBody(AsyncThrowingStream(unfolding: { try await pages.next() }), length: .unknown, iterationBehavior: .single)
        return .ok(.init(body: format == .csv ? .csv(body) : .applicationJsonl(body)))
    }

    /// The filters as a query over the caller's organization (or, for an operator-wide key, the one `org` names).
    private func auditQuery(org: String?, userID: String?, type: String?, outcome: String?, since: Date?, until: Date?,
                            caller: AdminAPICaller) async throws -> AuditQuery {
        if let userID, !Self.isID(userID) { throw AdminAPIProblem.badParameter("userId") }
        let organization = try await caller.organization(named: org, directory: app.directory)
        var query = AuditQuery(organizationID: organization.id, userID: userID, from: since, to: until)
        if let type {
            guard let types = AuditEventType.matching(type) else { throw AdminAPIProblem.badParameter("type") }
            query.types = Set(types)
        }
        if let outcome {
            guard let value = AuditOutcome(rawValue: outcome) else { throw AdminAPIProblem.badParameter("outcome") }
            query.outcome = value
        }
        return query
    }

    static func auditEventSchema(_ entry: AuditEntry) -> Components.Schemas.AuditEvent {
        let event = entry.event
        return .init(id: event.id, _type: event.type.rawValue, outcome: event.type.outcome == .success ? .success : .failure,
                     actor: event.actor?.stored ?? "system", userId: event.userID, reason: event.reason, ip: event.ipAddress,
                     detail: .init(additionalProperties: event.detail), createdAt: event.createdAt)
    }
}

/// The export's body, pulled a page at a time: the header first, then each page of rows, until the last page.
actor AuditExportPages {
    let trail: AuditTrail
    var query: AuditQuery
    let scope: AdminScope
    let format: AuditExportFormat
    private var started = false
    private var finished = false

    init(trail: AuditTrail, query: AuditQuery, scope: AdminScope, format: AuditExportFormat) {
        self.trail = trail
        self.query = query
        self.scope = scope
        self.format = format
        self.query.limit = AuditTrail.maxPageSize
    }

    func next() async throws -> ArraySlice<UInt8>? {
        if !started {
            started = true
            let header = AuditExportEncoding.header(format)
            if !header.isEmpty { return ArraySlice(header.utf8) }
        }
        guard !finished else { return nil }
        let (entries, next) = try await trail.page(query, scope: scope)
        query.after = next
        finished = next == nil
        guard !entries.isEmpty else { return nil }
        return ArraySlice(entries.map { AuditExportEncoding.line($0, format) }.joined().utf8)
    }
}
