import Foundation
import HTTPTypes
import PortcullisCore
@testable import PortcullisApp
import PortcullisTestSupport

/// Calls the admin API (`/api/v1`) through a `Browser`, with an admin key, JSON in and out.
struct AdminAPIClient {
    let browser: Browser
    let key: String?

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
        /// The problem document's `code`, when the answer is one.
        var code: String? { object["code"] as? String }
        var isProblem: Bool { headers[.contentType] == "application/problem+json" }
    }

    /// `method path` with an optional JSON body; `key` replaces the client's (nil: none).
    func call(_ method: HTTPRequest.Method, _ path: String, _ body: Any? = nil, key: String?? = nil, contentType: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let key = key ?? self.key { headers[.authorization] = "Bearer " + key }
        var text: String?
        if let body {
            if let raw = body as? String {
                text = raw
            } else {
                text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            }
            headers[.contentType] = contentType ?? "application/json"
        }
        let page = try await browser.send("/api/v1" + path, method: method, body: text, headers: headers)
        return Answer(status: page.status, headers: page.headers, body: page.body)
    }

    func get(_ path: String) async throws -> Answer { try await call(.get, path) }
    func post(_ path: String, _ body: Any? = nil) async throws -> Answer { try await call(.post, path, body) }
}

extension TestApp {
    /// An admin key for an organization (the default one unless given), or an operator-wide one with `operatorWide`.
    func adminKey(_ organization: Organization? = nil, operatorWide: Bool = false) async throws -> (key: APIKey, secret: String) {
        var owner = organization
        if owner == nil, !operatorWide { owner = try await app.administration.organization(slug: Organization.defaultSlug) }
        return try await app.apiKeys.createAdminKey(organization: owner, name: "script", actor: .cli)
    }

    /// Audit events of one type, newest first.
    func events(_ type: AuditEventType) async throws -> [AuditEvent] {
        try await app.repositories.audit.list(organizationID: nil, userID: nil, limit: 500).filter { $0.type == type }
    }
}
