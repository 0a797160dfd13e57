import Foundation

/// The formats the audit log is exported in: CSV (RFC 4180, a header row) and JSON lines (one object per line).
public enum AuditExportFormat: String, Sendable, CaseIterable {
    case csv
    case jsonl

    /// The HTTP content type of a download.
    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .jsonl: "application/x-ndjson"
        }
    }

    public var fileExtension: String { rawValue }
}

/// An audit event with the names it is shown with: whom it is about and who did it, when they are known.
public struct AuditEntry: Sendable, Equatable {
    public var event: AuditEvent
    /// The username of the user the event is about: the account's, or for an unknown or deleted account the one
    /// the event recorded (a sign-in attempt, a deletion).
    public var username: String?
    /// The acting user's username, or the API key's name; nil for the command line, the system, anonymous actors
    /// and ids no longer found.
    public var actorName: String?

    public init(event: AuditEvent, username: String?, actorName: String?) {
        self.event = event
        self.username = username
        self.actorName = actorName
    }

    /// Names events from one lookup for all of them.
    static func named(_ events: [AuditEvent], _ names: AuditNames) -> [AuditEntry] {
        events.map { event in
            let actorName: String? = switch event.actor {
            case .user(let id)?, .admin(let id)?: names.usernames[id]
            case .apiClient(let id)?: names.apiKeyNames[id]
            case .anonymous?, .cli?, .system?, nil: nil
            }
            return AuditEntry(event: event, username: event.userID.flatMap { names.usernames[$0] } ?? event.detail["username"],
                              actorName: actorName)
        }
    }

    /// The ids `named` needs looked up.
    static func ids(in events: [AuditEvent]) -> (users: Set<String>, apiKeys: Set<String>) {
        var users = Set<String>(), keys = Set<String>()
        for event in events {
            if let id = event.userID { users.insert(id) }
            switch event.actor {
            case .user(let id)?, .admin(let id)?: users.insert(id)
            case .apiClient(let id)?: keys.insert(id)
            case .anonymous?, .cli?, .system?, nil: break
            }
        }
        return (users, keys)
    }
}

/// How exported rows are written: the columns, CSV quoting with spreadsheet formulas neutralized, and JSON lines.
/// Times are ISO 8601 in UTC with milliseconds.
public enum AuditExportEncoding {
    /// The CSV header and the JSON lines' keys, in order.
    public static let columns = ["time", "id", "organization_id", "actor", "actor_name", "user_id", "username", "type", "outcome",
                                 "reason", "ip", "detail"]

    public static let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)

    /// The header (CSV) or nothing (JSON lines).
    public static func header(_ format: AuditExportFormat) -> String {
        format == .csv ? columns.joined(separator: ",") + "\r\n" : ""
    }

    /// One entry as a CSV record (CRLF-terminated) or a JSON line (LF-terminated).
    public static func line(_ entry: AuditEntry, _ format: AuditExportFormat) -> String {
        let e = entry.event
        let detail = "{" + e.detail.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + jsonString($0.value) }.joined(separator: ",") + "}"
        let values: [String?] = [time.format(e.createdAt), e.id, e.organizationID, e.actor?.stored, entry.actorName, e.userID, entry.username,
                                 e.type.rawValue, e.type.outcome.rawValue, e.reason, e.ipAddress, detail]
        switch format {
        case .csv:
            return values.map { csvField($0 ?? "") }.joined(separator: ",") + "\r\n"
        case .jsonl:
            let fields = zip(columns, values).map { key, value -> String in
                "\"\(key)\":" + (key == "detail" ? detail : value.map(jsonString) ?? "null")
            }
            return "{" + fields.joined(separator: ",") + "}\n"
        }
    }

    /// A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. A field a spreadsheet
    /// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a CR) gets a leading `'` (OWASP's advice).
    public static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.unicodeScalars.contains(where: { "\",\r\n".unicodeScalars.contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
    static func jsonString(_ value: String) -> String {
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
