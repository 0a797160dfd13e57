import Foundation

/// A search of the audit log (the admin audit page, its export, the command line): whose rows, which events, which
/// outcome, when, and one keyset page, newest first (`created_at DESC, id DESC`).
public struct AuditQuery: Sendable, Equatable {
    /// The organization whose rows are read; nil for every organization (operators and the command line only: an
    /// organization admin's scope always sets its own).
    public var organizationID: String?
    /// Events about this user.
    public var userID: String?
    /// Only these types; empty for every type.
    public var types: Set<AuditEventType>
    public var outcome: AuditOutcome?
    /// Events at or after `from` and before `to` (a half-open range).
    public var from: Date?
    public var to: Date?
    /// Where the previous page ended: this page starts at the next older event.
    public var after: AuditCursor?
    /// Rows per page.
    public var limit: Int

    public init(organizationID: String?, userID: String? = nil, types: Set<AuditEventType> = [], outcome: AuditOutcome? = nil,
                from: Date? = nil, to: Date? = nil, after: AuditCursor? = nil, limit: Int = 50) {
        self.organizationID = organizationID
        self.userID = userID
        self.types = types
        self.outcome = outcome
        self.from = from
        self.to = to
        self.after = after
        self.limit = limit
    }

    /// The types that pass both the type and the outcome filter: nil when every type passes (no condition on the
    /// type), empty when none does (no row can match).
    public var matchingTypes: [AuditEventType]? {
        guard !types.isEmpty || outcome != nil else { return nil }
        let matching = AuditEventType.allCases.filter { (types.isEmpty || types.contains($0)) && (outcome == nil || $0.outcome == outcome) }
        return matching.count == AuditEventType.allCases.count ? nil : matching
    }

    /// The filter as an export's audit event records it (stable keys; no secret can be in it).
    public var filterFields: [String: String] {
        var f: [String: String] = [:]
        f["user_id"] = userID
        if !types.isEmpty { f["types"] = types.map(\.rawValue).sorted().joined(separator: ",") }
        f["outcome"] = outcome?.rawValue
        f["from"] = from.map(AuditDetail.timestamp)
        f["to"] = to.map(AuditDetail.timestamp)
        return f
    }
}

/// Where a page of the audit log ended: the last row's time and id. Pages go on from here with
/// `(created_at, id) < (cursor)`, so rows written meanwhile, or sharing one millisecond, are neither skipped nor
/// repeated. `token` is its opaque form for links and APIs.
public struct AuditCursor: Sendable, Equatable, Hashable {
    public var createdAt: Date
    public var id: String

    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The cursor just past an event.
    public init(after event: AuditEvent) {
        self.init(createdAt: event.createdAt, id: event.id)
    }

    /// Milliseconds since 1970, as times are stored.
    public var millis: Int64 { Int64((createdAt.timeIntervalSince1970 * 1000).rounded()) }

    /// Base64url of `<millis>.<id>`.
    public var token: String {
        Data("\(millis).\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token; nil for anything that is not one.
    public init?(token: String) {
        guard token.count <= 200 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let millis = Int64(parts[0]), millis >= 0, !parts[1].isEmpty,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        self.init(createdAt: Date(timeIntervalSince1970: TimeInterval(millis) / 1000), id: parts[1])
    }
}
