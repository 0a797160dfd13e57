import Foundation
import Hummingbird
import NIOCore
import PortcullisApp
import PortcullisCore

/// The admin's audit log (SPEC §4.4, issue 10 point 5): filters (user, event type, outcome, time range read in the
/// organization's time zone), newest first, 50 a page with an opaque cursor, and exports of the filtered set as
/// CSV and JSON lines, streamed a batch at a time. Everything goes through `AuditTrail` with the admin's scope, so
/// another organization's rows never show; each export is audited there.
struct AdminAuditController {
    let web: WebContext
    var app: Portcullis { web.app }
    static let pageSize = 50

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/audit") { request, context in try await list(request, context: context) }
        router.get("/admin/audit/export.csv") { request, context in try await export(request, format: .csv, context: context) }
        router.get("/admin/audit/export.jsonl") { request, context in try await export(request, format: .jsonl, context: context) }
    }

    /// The filters as the form sent them, and the query they make.
    struct Filters {
        var username = ""
        var type = ""
        var outcome = ""
        var from = ""
        var to = ""
        var query: AuditQuery
        /// A username that names nobody in the organization: nothing matches.
        var unknownUser = false

        /// The filters as a query string (without the cursor), for the export links and the next page.
        var queryString: String {
            var components = URLComponents()
            components.queryItems = [("user", username), ("type", type), ("outcome", outcome), ("from", from), ("to", to)]
                .filter { !$0.1.isEmpty }.map { URLQueryItem(name: $0.0, value: $0.1) }
            return components.percentEncodedQuery ?? ""
        }
    }

    private func filters(_ request: Request, context: AdminContext) async throws -> Filters {
        let parameters = request.uri.queryParameters
        func text(_ name: String) -> String {
            parameters.get(name).map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        var filters = Filters(query: AuditQuery(organizationID: context.organization.id, limit: Self.pageSize))
        filters.username = text("user")
        filters.type = text("type")
        filters.outcome = text("outcome")
        filters.from = text("from")
        filters.to = text("to")
        if !filters.username.isEmpty {
            if let user = try await app.directory.user(organizationID: context.organization.id, username: filters.username) {
                filters.query.userID = user.id
            } else {
                filters.unknownUser = true
            }
        }
        if !filters.type.isEmpty {
            guard let types = AuditEventType.matching(filters.type) else { throw PageError.badRequest }
            filters.query.types = Set(types)
        }
        if !filters.outcome.isEmpty {
            guard let outcome = AuditOutcome(rawValue: filters.outcome) else { throw PageError.badRequest }
            filters.query.outcome = outcome
        }
        if !filters.from.isEmpty {
            guard let from = Self.localTime(filters.from, zone: context.organization.policy.zone) else { throw PageError.badRequest }
            filters.query.from = from.start
        }
        if !filters.to.isEmpty {
            guard let to = Self.localTime(filters.to, zone: context.organization.policy.zone) else { throw PageError.badRequest }
            filters.query.to = to.end
        }
        if let after = parameters.get("after") {
            guard let cursor = AuditCursor(token: String(after)) else { throw PageError.badRequest }
            filters.query.after = cursor
        }
        return filters
    }

    /// A `datetime-local` value (`2026-03-01T17:30`, seconds optional) in the organization's time zone: the start
    /// of that minute (or second) and the start of the next, so that "to 17:30" includes 17:30's events.
    static func localTime(_ value: String, zone: TimeZone) -> (start: Date, end: Date)? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for (format, length, step) in [("yyyy-MM-dd'T'HH:mm", 16, 60.0), ("yyyy-MM-dd'T'HH:mm:ss", 19, 1.0)] where value.count == length {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return (date, date.addingTimeInterval(step)) }
        }
        return nil
    }

    private func list(_ request: Request, context: AdminContext) async throws -> Response {
        let filters = try await filters(request, context: context)
        let (entries, next) = filters.unknownUser ? ([], nil) : try await app.auditTrail.page(filters.query, scope: context.scope)
        let query = filters.queryString
        let typeOptions = [OptionView(value: "", label: "Any", selected: filters.type.isEmpty)]
            + AuditEventType.families.map { family in
                OptionView(value: family + ".*", label: AuditEventType.familyLabel(family), selected: filters.type == family + ".*")
            }
            + AuditEventType.allCases.sorted { $0.label < $1.label }.map { type in
                OptionView(value: type.rawValue, label: type.label, selected: filters.type == type.rawValue)
            }
        let page = AdminAuditPage(
            nav: try await AdminArea.nav(.audit, context: context, app: app), username: filters.username, from: filters.from, to: filters.to,
            typeOptions: typeOptions,
            outcomeOptions: [OptionView(value: "", label: "Any", selected: filters.outcome.isEmpty)]
                + AuditOutcome.allCases.map { OptionView(value: $0.rawValue, label: $0.label, selected: filters.outcome == $0.rawValue) },
            rows: entries.map { AdminAuditRow($0, context: context) }, hasRows: !entries.isEmpty,
            unknownUser: filters.unknownUser ? filters.username : nil, timeZone: context.organization.policy.zone.identifier,
            nextPage: next.map { "/admin/audit?" + (query.isEmpty ? "" : query + "&") + "after=" + $0.token },
            csvExport: "/admin/audit/export.csv" + (query.isEmpty ? "" : "?" + query),
            jsonlExport: "/admin/audit/export.jsonl" + (query.isEmpty ? "" : "?" + query))
        return web.pages.render(page, context: context)
    }

    /// The filtered set as a download, written a batch of rows at a time as the database hands them over.
    private func export(_ request: Request, format: AuditExportFormat, context: AdminContext) async throws -> Response {
        let filters = try await filters(request, context: context)
        // A username nobody has: the page says so, rather than a download with nothing in it.
        if filters.unknownUser { return .seeOther("/admin/audit?" + filters.queryString) }
        let run = try await app.auditTrail.startExport(filters.query, scope: context.scope, format: format, ip: context.browser.clientIP)
        let stamp = Self.fileStamp(app.clock.now)
        let name = "audit-\(context.organization.slug)-\(stamp).\(format.fileExtension)"
        let body = ResponseBody { writer in
            try await run.write { text in try await writer.write(ByteBuffer(string: text)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: format.contentType, .contentDisposition: "attachment; filename=\"\(name)\"",
                                               .cacheControl: "no-store"], body: body)
    }

    /// `20260301T173000Z`: the time of an export in its file name.
    static func fileStamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
