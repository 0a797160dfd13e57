import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

/// "Remember this device for N days" over HTTP: the checkbox on the challenge forms, the cookie and its rotation, the
/// settings list with "This device" and Forget, the admin's "Forget all remembered devices", a copied cookie, the
/// policy turned off, and 50 parallel sign-ins with one cookie.
@Suite("Remembered devices over HTTP: checkbox, cookie, rotation, settings, admin, theft, policy — on SQLite and PostgreSQL")
struct RememberedDeviceWebTests {
    static let password = "rosa's long password"
    static let firefox = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0"

    /// The value of the remembered-device cookie the browser holds (development mode: no `__Host-` prefix).
    static func deviceCookie(_ browser: Browser) -> String? { browser.cookies["portcullis_device"] }

    /// Password then the app's code at the challenge, ticking "Remember this device" when `remember`.
    static func signInWithCode(_ browser: Browser, _ test: TestApp, secret: [UInt8], remember: Bool) async throws -> Browser.Page {
        _ = try await browser.get("/login")
        #expect(try await browser.post("/login", ["username": "rosa", "password": password]).location == "/login/challenge")
        test.clock.advance(by: 30)
        let challenge = try await browser.get("/login/challenge")
        let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
        var fields = ["factor_id": factorID, "code": OneTimePassword.totp(secret: secret, at: test.clock.now)]
        if remember { fields["remember"] = "1" }
        let answer = try await browser.post("/login/challenge", fields, headers: [.userAgent: firefox])
        if let location = answer.location { _ = try await browser.get(location) }  // the next page, as a browser loads it
        return answer
    }

    /// The password step from a fresh browser that holds `device` as its remembered-device cookie (put there by hand:
    /// a copy, or one put back): the answer's status, location and Set-Cookie headers.
    static func signInWithCookie(_ client: any TestClientProtocol, device: String) async throws -> (status: HTTPResponse.Status, location: String?, setCookies: [String]) {
        let browser = Browser(client)
        _ = try await browser.get("/login")
        let body = "username=rosa&password=\(Browser.escape(password))&csrf=\(Browser.escape(browser.pageToken ?? ""))"
        let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded",
                                   .cookie: "portcullis_csrf=\(browser.cookies["portcullis_csrf"] ?? ""); portcullis_device=\(device)"]
        let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
        return (response.status, response.headers[.location], response.headers[values: .setCookie])
    }

    /// The user with an app, signed in once without a device; returns the app's secret.
    static func setUp(_ test: TestApp, _ browser: Browser) async throws -> [UInt8] {
        _ = try await test.createUser("rosa", password: password)
        try await SettingsTests.signIn(browser, "rosa", password)
        let (_, secret, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Phone")
        _ = try await browser.submit("/logout", [:])
        return secret
    }

    @Test("Tick the box, sign out, sign in without a challenge; the cookie rotates; settings list it as this device; Forget; challenged again",
          arguments: TestDatabase.engines)
    func story(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                // The checkbox is on the challenge, with the policy's days.
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "rosa", "password": Self.password])
                let challenge = try await browser.get("/login/challenge")
                #expect(challenge.body.contains("id=\"remember-device\" name=\"remember\" value=\"1\"") && challenge.body.contains("Remember this device for 30 days"))
                #expect(challenge.body.contains("<label class=\"check\" for=\"remember-device\">"), "labelled")
                _ = try await browser.submit("/logout", [:])

                let done = try await Self.signInWithCode(browser, test, secret: secret, remember: true)
                #expect(done.location == "/portal")
                let header = try #require(browser.setCookieHeaders.last { $0.hasPrefix("portcullis_device=") })
                #expect(header.contains("Max-Age=2592000") && header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/"))
                let first = try #require(Self.deviceCookie(browser))

                // Sign out and in again: no challenge, a new counter in the cookie.
                _ = try await browser.submit("/logout", [:])
                test.clock.advance(by: 3600)
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "rosa", "password": Self.password]).location == "/portal")
                let second = try #require(Self.deviceCookie(browser))
                #expect(second != first && second.hasPrefix(String(first.split(separator: ".")[0])))
                let rotated = try #require(browser.setCookieHeaders.last { $0.hasPrefix("portcullis_device=") })
                #expect(rotated.contains("Max-Age=2588400"), "the same expiry: an hour less")

                // The remembered session must still answer a factor before a security change.
                _ = try await browser.get("/settings")
                #expect(try await browser.post("/settings/backup-codes", [:]).location == "/settings/verify?next=/settings")
                let stepUp = try await browser.get("/settings/verify?next=/settings")
                #expect(!stepUp.body.contains("remember-device"), "no checkbox at a step-up")

                // Settings: the device, this one marked, with Forget.
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("id=\"devices\"") && settings.body.contains("Firefox on macOS <span class=\"badge this-device\">This device</span>"))
                #expect(settings.body.contains("<td data-label=\"Approximate place\">Unknown</td>"), "the test client has no address")
                let deviceID = try #require(firstMatch("data-device-id=\"([^\"]+)\" data-current=\"1\"", in: settings.body))
                let forgot = try await browser.post("/settings/devices/\(deviceID)/forget", [:])
                #expect(forgot.location == "/settings?notice=device_forgotten")
                #expect(Self.deviceCookie(browser) == nil, "this browser's cookie is cleared with its device")
                let after = try await browser.get("/settings?notice=device_forgotten")
                #expect(after.body.contains("id=\"no-devices\"") && after.body.contains("That device is forgotten"))

                // Next sign-in: the challenge again (even with the old cookie put back).
                _ = try await browser.submit("/logout", [:])
                let answer = try await Self.signInWithCookie(browser.client, device: second)
                #expect(answer.location == "/login/challenge")
                #expect(answer.setCookies.contains { $0.hasPrefix("portcullis_device=;") && $0.contains("Max-Age=0") })
            }
        }
    }

    @Test("Outside development mode the device cookie is __Host- and Secure", arguments: TestDatabase.engines)
    func secureCookie(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.server.development = false; $0.server.baseURL = "https://mfa.example.com" }
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                let header = try #require(browser.setCookieHeaders.last { $0.hasPrefix("__Host-portcullis_device=") })
                #expect(header.contains("Secure") && header.contains("HttpOnly") && header.contains("SameSite=Lax") && header.contains("Path=/")
                        && !header.contains("Domain="))
                _ = try await browser.submit("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "rosa", "password": Self.password]).location == "/portal")
            }
        }
    }

    @Test("A copied cookie used after the owner's: challenge, cookie cleared, every device forgotten, audited", arguments: TestDatabase.engines)
    func theft(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                let copy = try #require(Self.deviceCookie(browser))
                _ = try await browser.submit("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "rosa", "password": Self.password]).location == "/portal")

                test.clock.advance(by: 60)
                let stolen = try await Self.signInWithCookie(browser.client, device: copy)
                #expect(stolen.location == "/login/challenge")
                #expect(stolen.setCookies.contains { $0.hasPrefix("portcullis_device=;") && $0.contains("Max-Age=0") })
                #expect(try await browser.get("/settings").location == "/login", "the owner's session ended too")
                let rosa = try #require(try await test.app.directory.user(organizationID: try await test.app.administration.organization(slug: "default").id,
                                                                          username: "rosa"))
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: rosa.id, limit: 100)
                #expect(events.contains { $0.type == .deviceTheftSuspected && $0.reason == "stale_counter" })
                #expect(AuditEventType.deviceTheftSuspected.label.contains("Copied device cookie"))
            }
        }
    }

    @Test("Remember-device days 0: no checkbox, a ticked box posted anyway remembers nothing, an old cookie is ignored",
          arguments: TestDatabase.engines)
    func policyOff(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                let cookie = try #require(Self.deviceCookie(browser))
                let organization = try await test.app.administration.organization(slug: "default")
                var policy = organization.policy
                policy.rememberDeviceDays = 0
                try await test.app.administration.setPolicy(organization, policy, actor: .cli)
                let settings = try await browser.get("/settings")
                #expect(!settings.body.contains("remember-hint"), "no hint on how to remember")
                _ = try await browser.submit("/logout", [:])

                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "rosa", "password": Self.password]).location == "/login/challenge",
                        "the cookie is ignored")
                #expect(Self.deviceCookie(browser) == cookie, "and left alone")
                let challenge = try await browser.get("/login/challenge")
                #expect(!challenge.body.contains("remember-device"))
                _ = try await browser.submit("/logout", [:])
                let headersBefore = browser.setCookieHeaders.count
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                #expect(!browser.setCookieHeaders[headersBefore...].contains { $0.hasPrefix("portcullis_device=") }, "nothing remembered")
            }
        }
    }

    @Test("The admin's user page lists the devices and forgets them all, audited with the admin", arguments: TestDatabase.engines)
    func administrator(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, adminSecret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                let cookie = try #require(Self.deviceCookie(browser))
                let rosa = try #require(try await test.app.directory.user(organizationID: admin.organizationID, username: "rosa"))

                let office = Browser(browser.client)
                try await AdminSignIn.signIn(office, test, secret: adminSecret)
                let page = try await office.get("/admin/users/\(rosa.id)")
                #expect(page.body.contains("id=\"device-count\">1 remembered device<") && page.body.contains("Firefox on macOS"))
                let forgot = try await office.submit("/admin/users/\(rosa.id)/forget-devices", [:])
                #expect(forgot.body.contains("1 remembered device of Alice Example forgotten") && forgot.body.contains("id=\"no-devices\""))
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: rosa.id, limit: 100)
                #expect(events.contains { $0.type == .deviceRevoked && $0.actor == .admin(admin.id) })

                _ = try await browser.submit("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "rosa", "password": Self.password]).location == "/login/challenge")
                #expect(Self.deviceCookie(browser) == nil, "the forgotten device's cookie is cleared")
                #expect(try await Self.signInWithCookie(browser.client, device: cookie).location == "/login/challenge")
            }
        }
    }

    @Test("50 parallel sign-ins with one cookie over HTTP: every one reaches the portal, one new cookie, no error", arguments: TestDatabase.engines)
    func parallel(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) {
                $0.policy.lockoutThreshold = 60  // 50 password attempts in flight at once for one user
                $0.policy.ipFailureLimit = 100   // all from one address
            }
            try await test.run { browser in
                let secret = try await Self.setUp(test, browser)
                #expect(try await Self.signInWithCode(browser, test, secret: secret, remember: true).location == "/portal")
                let cookie = try #require(Self.deviceCookie(browser))
                _ = try await browser.submit("/logout", [:])
                _ = try await browser.get("/login")
                let body = "username=rosa&password=\(Browser.escape(Self.password))&csrf=\(Browser.escape(browser.pageToken ?? ""))"
                let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded",
                                           .cookie: "portcullis_csrf=\(browser.cookies["portcullis_csrf"] ?? "");portcullis_device=\(cookie)"]
                let client = browser.client
                let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?, [String]).self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            let response = try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body))
                            return (response.status, response.headers[.location], response.headers[values: .setCookie])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.allSatisfy { $0.0 == .seeOther && $0.1 == "/portal" }, "\(answers.map { "\($0.0) \($0.1 ?? "")" })")
                let newCookies = answers.flatMap(\.2).filter { $0.hasPrefix("portcullis_device=") && !$0.contains("Max-Age=0") }
                #expect(newCookies.count == 1, "exactly one rotation")
                #expect(!answers.flatMap(\.2).contains { $0.hasPrefix("portcullis_device=;") }, "and no cookie cleared")
            }
        }
    }

    @Test("Every factor type's challenge form has the checkbox (through its partial); device names from User-Agents; places")
    func everyChallengeForm() throws {
        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PortcullisWeb/Templates/factors")
        let types = try FileManager.default.contentsOfDirectory(atPath: templates.path)
        var checked = 0
        for type in types {
            let challenge = templates.appendingPathComponent(type).appendingPathComponent("challenge.mustache")
            guard let text = try? String(contentsOf: challenge, encoding: .utf8) else { continue }
            #expect(text.contains("{{> factors/remember}}") || text.contains("{{> factors/code-input}}"), "\(type)")
            checked += 1
        }
        #expect(checked >= 7)
        #expect(try String(contentsOf: templates.appendingPathComponent("code-input.mustache"), encoding: .utf8).contains("{{> factors/remember}}"))
        #expect(DeviceName.from(userAgent: Self.firefox) == "Firefox on macOS")
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36") == "Chrome on Android")
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0") == "Edge on Windows")
        #expect(DeviceName.from(userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile Safari/604.1") == "Safari on iPhone")
        #expect(DeviceName.from(userAgent: nil) == "Unknown browser" && DeviceName.from(userAgent: "curl/8.5") == "Unknown browser")
        #expect(DeviceName.from(userAgent: String(repeating: "x", count: 500) + " Firefox/1 Windows").count <= 64)
        #expect(RememberedDeviceRow.place(ip: "192.0.2.7") == "192.0.2.7 (place unknown)" && RememberedDeviceRow.place(ip: nil) == "Unknown")
    }
}
