import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import PortcullisCore
import PortcullisStore
import PortcullisDelivery
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

/// "A sign-in from a new device" (SPEC §5, issue 11 point 6): the browser cookie, the notice for a browser the user
/// never signed in from (not the first one ever, not a known one), one notice for a burst from one new browser; and
/// an administrator's list and "forget" of a user's remembered devices through the admin API.
@Suite("Sign-in from a new browser, and remembered devices in the admin API — on SQLite and PostgreSQL")
struct NewBrowserNoticeTests {
    static let password = "rosa's long password"
    static let firefox = RememberedDeviceWebTests.firefox

    /// rosa, with an email address, who never needs a second factor (her password step completes the sign-in).
    static func rosa(_ test: TestApp) async throws -> User {
        let user = try await test.createUser("rosa", password: password)
        try await test.app.repositories.users.setMFAPromptDismissed(userID: user.id)
        let scope = AdminScope(actor: .cli, organizationID: user.organizationID)
        return try await test.app.users.update(user, displayName: "Rosa", email: "rosa@home.example", phone: nil, scope: scope)
    }

    static func signIn(_ browser: Browser, userAgent: String? = nil) async throws {
        _ = try await browser.get("/login")
        var headers: HTTPFields = [:]
        if let userAgent { headers[.userAgent] = userAgent }
        #expect(try await browser.post("/login", ["username": "rosa", "password": password], headers: headers).location == "/portal")
        _ = try await browser.get("/portal")
    }

    static func newBrowserNotices(_ test: TestApp) throws -> [OutboxMessage] {
        try #require(test.app.outbox).messages().filter { $0.to == "rosa@home.example" && ($0.subject ?? "").contains("new device") }
    }

    /// Waits for the background notices to be written (or the time a late one would take).
    static func settle(_ test: TestApp, expecting count: Int) async throws -> [OutboxMessage] {
        for _ in 0..<100 where try newBrowserNotices(test).count < count { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        return try newBrowserNotices(test)
    }

    @Test("The first browser is recorded silently, a known one is quiet, a new one is told (name and address), once", arguments: TestDatabase.engines)
    func notice(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let rosa = try await Self.rosa(test)
            try await test.run { home in
                try await Self.signIn(home)
                let browserID = try #require(home.cookies["portcullis_browser"])
                #expect(SessionBrowser.isWellFormed(browserID))
                #expect(home.setCookieHeaders.contains { $0.hasPrefix("portcullis_browser=") && $0.contains("Max-Age=34560000") && $0.contains("HttpOnly") })
                _ = try await home.submit("/logout", [:])
                try await Self.signIn(home)
                #expect(home.cookies["portcullis_browser"] == browserID, "the same browser keeps its id")
                #expect(try await Self.settle(test, expecting: 0).isEmpty, "first and known browsers: no notice")

                let laptop = Browser(home.client)
                try await Self.signIn(laptop, userAgent: Self.firefox)
                #expect(laptop.cookies["portcullis_browser"] != browserID)
                let notices = try await Self.settle(test, expecting: 1)
                #expect(notices.count == 1)
                let body = notices.first?.body ?? ""
                #expect(body.contains("a device it had not seen before: Firefox on macOS, from "), "\(body)")
                #expect(!body.contains("http") && !body.contains(browserID) && !body.contains(laptop.cookies["portcullis_browser"] ?? "-"))
                _ = try await laptop.submit("/logout", [:])
                try await Self.signIn(laptop, userAgent: Self.firefox)
                #expect(try await Self.settle(test, expecting: 2).count == 1, "known now")

                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: rosa.id, limit: 100)
                    .filter { $0.type == .signInSucceeded }
                #expect(events.count == 4 && events.filter { $0.detail["new_browser"] == "Firefox on macOS" }.count == 1)
                #expect(try await test.app.repositories.knownBrowsers.count(userID: rosa.id) == 2)

                // A cookie that is no id this server hands out is replaced, and the browser counts as new.
                let odd = Browser(home.client)
                _ = try await odd.send("/login", method: .get, body: nil, headers: [.cookie: "portcullis_browser=<script>"])
                try await Self.signIn(odd)
                #expect(odd.cookies["portcullis_browser"].map(SessionBrowser.isWellFormed) == true)
                #expect(try await Self.settle(test, expecting: 2).count == 2)
            }
        }
    }

    @Test("30 parallel sign-ins from one new browser: all signed in, one notice, one audit mark", arguments: TestDatabase.engines)
    func burst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) {
                $0.policy.lockoutThreshold = 60
                $0.policy.ipFailureLimit = 100
            }
            let rosa = try await Self.rosa(test)
            try await test.run { home in
                try await Self.signIn(home)
                let other = Browser(home.client)
                _ = try await other.get("/login")
                let body = "username=rosa&password=\(Browser.escape(Self.password))&csrf=\(Browser.escape(other.pageToken ?? ""))"
                let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .userAgent: Self.firefox,
                                           .cookie: "portcullis_csrf=\(other.cookies["portcullis_csrf"] ?? "");portcullis_browser=\(String(repeating: "b", count: 43))"]
                let client = home.client
                let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<30 {
                        group.addTask {
                            try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body)).headers[.location]
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.allSatisfy { $0 == "/portal" }, "\(answers)")
                #expect(try await Self.settle(test, expecting: 1).count == 1)
                let marked = try await test.app.repositories.audit.list(organizationID: nil, userID: rosa.id, limit: 100)
                    .filter { $0.type == .signInSucceeded && $0.detail["new_browser"] != nil }
                #expect(marked.count == 1)
            }
        }
    }

    @Test("Admin API: a user's remembered devices listed and forgotten (audited with the key); another organization's key sees none",
          arguments: TestDatabase.engines)
    func adminAPI(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let rosa = try await Self.rosa(test)
            let devices = test.app.rememberedDevices
            _ = try await devices.remember(user: rosa, userAgent: Self.firefox, ip: "192.0.2.7")
            _ = try await devices.remember(user: rosa, userAgent: nil, ip: "192.0.2.8")
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                let listed = try await api.get("/users/\(rosa.id)/remembered-devices")
                #expect(listed.status == .ok && listed.items.count == 2)
                #expect(Set(listed.items.compactMap { $0["name"] as? String }) == ["Firefox on macOS", "Unknown browser"])
                #expect(listed.items.allSatisfy { $0["expiresAt"] is String && $0["createdIP"] is String && $0["id"] is String })
                #expect(try await api.get("/users/not-a-user/remembered-devices").status == .notFound)

                let other = try await test.app.administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
                let (_, otherSecret) = try await test.adminKey(other)
                let outsider = AdminAPIClient(browser: browser, key: otherSecret)
                #expect(try await outsider.get("/users/\(rosa.id)/remembered-devices").status == .notFound)
                #expect(try await outsider.call(.delete, "/users/\(rosa.id)/remembered-devices").status == .notFound)
                #expect(try await devices.list(user: rosa, currentCookie: nil).count == 2)

                #expect(try await api.call(.delete, "/users/\(rosa.id)/remembered-devices").status == .noContent)
                #expect(try await devices.list(user: rosa, currentCookie: nil).isEmpty)
                #expect(try await test.events(.deviceRevoked).contains { $0.actor == .apiClient(key.id) && $0.detail["count"] == "2" })
                #expect(try await api.call(.delete, "/users/\(rosa.id)/remembered-devices").status == .noContent, "none left: still 204")
            }
        }
    }
}
