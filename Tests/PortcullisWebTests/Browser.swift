import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestKit
import PortcullisTestSupport

/// A cookie-keeping client over HummingbirdTesting, filling in the CSRF field like a browser submitting a form: with
/// the token of the last HTML page it received that had one (so, as in a browser, a form is posted from a page).
final class Browser: @unchecked Sendable {
    let client: any TestClientProtocol
    private(set) var cookies: [String: String] = [:]
    private(set) var setCookieHeaders: [String] = []
    /// The `csrf` field of the last page that had a form.
    private(set) var pageToken: String?

    init(_ client: any TestClientProtocol) {
        self.client = client
    }

    struct Page {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var location: String? { headers[.location] }
    }

    func get(_ path: String) async throws -> Page {
        try await send(path, method: .get, body: nil)
    }

    /// Posts a form; `csrf` is the last page's token unless given.
    func post(_ path: String, _ fields: [String: String], csrf: String? = nil, headers: HTTPFields = [:]) async throws -> Page {
        var fields = fields
        if fields["csrf"] == nil { fields["csrf"] = csrf ?? pageToken ?? "" }
        let body = fields.map { "\(Self.escape($0.key))=\(Self.escape($0.value))" }.joined(separator: "&")
        var all = headers
        all[.contentType] = "application/x-www-form-urlencoded"
        return try await send(path, method: .post, body: body, headers: all)
    }

    /// Follows redirects with GETs, as a browser does after a form (Post/Redirect/Get); any other page is returned as
    /// it is.
    func follow(_ page: Page) async throws -> Page {
        var page = page
        var hops = 0
        while page.status == .seeOther, let location = page.location, hops < 5 {
            page = try await get(location)
            hops += 1
        }
        return page
    }

    /// Posts a form and follows its redirect: the page the browser finally shows.
    func submit(_ path: String, _ fields: [String: String]) async throws -> Page {
        try await follow(try await post(path, fields))
    }

    func send(_ path: String, method: HTTPRequest.Method, body: String?, headers: HTTPFields = [:]) async throws -> Page {
        var all = headers
        if !cookies.isEmpty { all[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let response = try await client.execute(uri: path, method: method, headers: all, body: body.map { ByteBuffer(string: $0) })
        for header in response.headers[values: .setCookie] {
            setCookieHeaders.append(header)
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let body = String(buffer: response.body)
        if let token = Self.csrfField(in: body) { pageToken = token }
        return Page(status: response.status, headers: response.headers, body: body)
    }

    /// The value of the first `csrf` form field in an HTML page.
    static func csrfField(in html: String) -> String? {
        firstMatch("name=\"csrf\" value=\"([^\"]*)\"", in: html)
    }

    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}


/// A whole application over a test database with a manual clock.
struct TestApp {
    let app: Portcullis
    let clock: ManualClock
    let logs = LogCapture()

    /// An application with its default organization (and initial admin) created, as on first start.
    static func make(database: PortcullisDatabase, adjust: (inout Configuration) -> Void = { _ in }) async throws -> TestApp {
        let test = try TestApp(database: database, adjust: adjust)
        _ = try await test.app.administration.bootstrap()
        return test
    }

    private init(database: PortcullisDatabase, adjust: (inout Configuration) -> Void) throws {
        var configuration = Configuration()
        configuration.server.development = true
        configuration.keys.key = SecretBox.generateKey()
        configuration.server.baseURL = "http://localhost:8080"
        adjust(&configuration)
        clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        app = try Portcullis(configuration: configuration, database: database, clock: clock)
    }

    /// Runs `body` with a browser against the router.
    func run(_ body: @escaping @Sendable (Browser) async throws -> Void) async throws {
        let application = try await buildApplication(app, logger: logs.logger())
        try await application.test(.router) { client in try await body(Browser(client)) }
    }

    func createUser(_ username: String, password: String, mfaRequired: Bool = false) async throws -> User {
        let organization = try await app.administration.organization(slug: Organization.defaultSlug)
        return try await app.administration.createUser(organization: organization, username: username, displayName: "Alice Example",
                                                       password: password, mfaRequired: mfaRequired, actor: .cli)
    }
}

/// The first capture group of `pattern` in `text`.
func firstMatch(_ pattern: String, in text: String) -> String? {
    guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]),
          let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
          let range = Range(match.range(at: 1), in: text) else { return nil }
    return String(text[range])
}

func allMatches(_ pattern: String, in text: String) -> [String] {
    guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
    return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
        Range($0.range(at: min(1, regex.numberOfCaptureGroups)), in: text).map { String(text[$0]) }
    }
}
