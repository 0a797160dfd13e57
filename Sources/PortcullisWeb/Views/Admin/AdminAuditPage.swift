import Foundation
import PortcullisApp
import PortcullisCore

/// One event in the admin audit log: when (the organization's time), who acted, about whom, what, why and from where.
struct AdminAuditRow: Sendable {
    let id: String
    /// `yyyy-MM-dd HH:mm:ss` in the organization's time zone, and the ISO 8601 UTC time for `<time datetime>`.
    let time: String
    let isoTime: String
    let actor: String
    let user: String
    let event: String
    /// The stored type (`sign_in.failed`), for scripts and tests.
    let type: String
    let outcome: String
    let failed: Bool
    let reason: String
    let ip: String
    /// The event's detail as `key: value` pairs, e.g. "factor: totp, stage: factor".
    let detail: String

    init(_ entry: AuditEntry, context: AdminContext) {
        let event = entry.event
        id = event.id
        time = context.localSeconds(event.createdAt)
        isoTime = AuditExportEncoding.time.format(event.createdAt)
        actor = AuditWording.actor(entry)
        user = entry.username ?? ""
        self.event = event.type.label
        type = event.type.rawValue
        outcome = event.type.outcome.rawValue
        failed = event.type.outcome == .failure
        reason = AuditWording.reason(event.reason)
        ip = event.ipAddress ?? ""
        detail = event.detail.filter { $0.key != "username" }.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }
}

/// The audit log (`admin-audit`): the filters, one page of events newest first, the next page and the exports of
/// the filtered set.
struct AdminAuditPage: PageView {
    static let template = "admin-audit"
    let title = "Audit log"
    let nav: AdminNavView
    let username: String
    let from: String
    let to: String
    let typeOptions: [OptionView]
    let outcomeOptions: [OptionView]
    let rows: [AdminAuditRow]
    let hasRows: Bool
    /// The username typed when it names nobody in the organization.
    let unknownUser: String?
    /// The zone times are shown and read in.
    let timeZone: String
    let nextPage: String?
    let csvExport: String
    let jsonlExport: String
}

extension AdminContext {
    /// A date as the organization reads it, to the second: `yyyy-MM-dd HH:mm:ss` in its time zone.
    func localSeconds(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = organization.policy.zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
