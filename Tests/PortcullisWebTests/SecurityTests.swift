import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestKit
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("CSRF, bad input, overload, health")
struct SecurityTests {
    @Test("Forms without the CSRF token, with a wrong one, or from another origin are refused", arguments: TestDatabase.engines)
    func csrf(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("alice", password: "alice's long password")
            try await test.run { browser in
                let fields = ["username": "alice", "password": "alice's long password"]
                #expect(try await browser.post("/login", fields).status == .forbidden, "no cookie yet")
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", fields, csrf: "forged").status == .forbidden)
                #expect(try await browser.post("/login", fields, headers: [.origin: "https://evil.example"]).status == .forbidden)
                #expect(try await browser.post("/login", fields, headers: [.origin: "http://localhost:8080"]).status == .seeOther)
                // Signed-in forms too.
                _ = try await browser.get("/login/enroll")
                _ = try await browser.post("/login/enroll/skip", [:])
                _ = try await browser.get("/portal")
                #expect(try await browser.post("/logout", [:], csrf: "forged").status == .forbidden)
                #expect(try await browser.get("/portal").status == .ok, "still signed in")
            }
        }
    }

    @Test("A CSRF cookie and form field the client chose are refused: only tokens the server issued pass", arguments: TestDatabase.engines)
    func forgedCookieAndField(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("alice", password: "alice's long password")
            try await test.run { browser in
                // A well-formed value of the attacker's choosing in both the cookie and the field (double submit).
                let chosen = Base64URL.encode([UInt8](repeating: 0x41, count: 32))
                let body = "csrf=\(chosen)&username=alice&password=alice%27s+long+password"
                let forged = try await browser.send("/login", method: .post, body: body, headers: [
                    .cookie: "portcullis_csrf=\(chosen)", .contentType: "application/x-www-form-urlencoded"])
                #expect(forged.status == .forbidden && forged.body.contains("Form expired"))
                // A token made like the server's but under another key.
                let otherKey = CSRFTokens(key: SecretBox(current: try .init(encoded: SecretBox.generateKey())).subkey(for: "csrf"))
                let wrongKey = otherKey.token(browser: chosen, session: nil)
                let signed = try await browser.send("/login", method: .post, body: "csrf=\(wrongKey)&username=alice&password=x", headers: [
                    .cookie: "portcullis_csrf=\(chosen)", .contentType: "application/x-www-form-urlencoded"])
                #expect(signed.status == .forbidden && signed.body.contains("Form expired"))
                // The server's own: the form carries a token that is not the cookie's value, and it works.
                let login = try await browser.get("/login")
                let token = try #require(Browser.csrfField(in: login.body))
                let cookie = try #require(browser.cookies["portcullis_csrf"])
                #expect(token != cookie && token.count == 43)
                #expect(try await browser.post("/login", ["username": "alice", "password": "alice's long password"]).location == "/login/enroll")
            }
        }
    }

    @Test("A CSRF token of one session is refused in another, in the same browser or another one", arguments: TestDatabase.engines)
    func tokenBoundToSession(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("alice", password: "alice's long password")
            _ = try await test.createUser("bob", password: "bob's long password")
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "alice", "alice's long password")
                let first = try #require(browser.pageToken)
                let other = Browser(browser.client)
                try await SettingsTests.signIn(other, "bob", "bob's long password")
                #expect(try await other.post("/settings/backup-codes", [:], csrf: first).status == .forbidden, "alice's token in bob's browser")
                #expect(try await other.get("/portal").body.contains("Welcome"), "bob is still signed in")

                // Signed out and in again in the same browser: same CSRF cookie, new session, new token.
                let cookie = browser.cookies["portcullis_csrf"]
                _ = try await browser.post("/logout", [:])
                try await SettingsTests.signIn(browser, "alice", "alice's long password")
                #expect(browser.cookies["portcullis_csrf"] == cookie)
                let second = try #require(browser.pageToken)
                #expect(second != first)
                let refused = try await browser.post("/logout", [:], csrf: first)
                #expect(refused.status == .forbidden && refused.body.contains("Form expired"))
                #expect(try await browser.post("/logout", [:]).location == "/login?notice=signed_out")
            }
        }
    }

    @Test("The CSRF token is renewed at each sign-in step: one issued before the password no longer works after it", arguments: TestDatabase.engines)
    func tokenRenewedAtSignIn(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("alice", password: "alice's long password")
            try await test.run { browser in
                _ = try await browser.get("/login")
                let beforePassword = try #require(browser.pageToken)
                #expect(try await browser.post("/login", ["username": "alice", "password": "alice's long password"]).location == "/login/enroll")
                let stale = try await browser.post("/login/enroll/skip", [:], csrf: beforePassword)
                #expect(stale.status == .forbidden && stale.body.contains("Form expired"))
                let afterPassword = try #require(Browser.csrfField(in: try await browser.get("/login/enroll").body))
                #expect(afterPassword != beforePassword)
                #expect(try await browser.post("/login/enroll/skip", [:], csrf: afterPassword).location == "/portal")
                let signedIn = try #require(Browser.csrfField(in: try await browser.get("/portal").body))
                #expect(signedIn != afterPassword, "renewed again when signed in")
                #expect(try await browser.post("/logout", [:], csrf: afterPassword).status == .forbidden)
                #expect(try await browser.post("/logout", [:], csrf: signedIn).location == "/login?notice=signed_out")
            }
        }
    }

    @Test("The CSRF key is derived from the key-encryption key: the same on every node, another for another purpose or key")
    func csrfKey() throws {
        let bytes = SystemRandomSource().bytes(32)
        let key = { (bytes: [UInt8], purpose: String) throws -> [UInt8] in
            SecretBox(current: try .init(bytes: bytes)).subkey(for: purpose).withUnsafeBytes { Array($0) }
        }
        let csrf = try key(bytes, "csrf")
        #expect(csrf.count == 32 && csrf != bytes)
        #expect(try key(bytes, "csrf") == csrf)
        #expect(try key(bytes, "other") != csrf)
        #expect(try key(SystemRandomSource().bytes(32), "csrf") != csrf)
        let tokens = CSRFTokens(key: SymmetricKey(data: csrf))
        #expect(tokens.token(browser: "b", session: nil) == CSRFTokens(key: SymmetricKey(data: try key(bytes, "csrf"))).token(browser: "b", session: nil))
        #expect(tokens.token(browser: "b", session: nil) != tokens.token(browser: "c", session: nil))
    }

    @Test("Development mode sends pages asked for under another host to the base URL; health checks and posts stay")
    func canonicalHost() throws {
        let canonical = try #require(CanonicalHostMiddleware<AppRequestContext>(baseURL: "http://localhost:8080"))
        #expect(canonical.redirect(method: .get, authority: "127.0.0.1:8080", path: "/login", target: "/login?x=1")
                == "http://localhost:8080/login?x=1")
        #expect(canonical.redirect(method: .get, authority: "localhost:8080", path: "/login", target: "/login") == nil)
        #expect(canonical.redirect(method: .get, authority: nil, path: "/login", target: "/login") == nil)
        #expect(canonical.redirect(method: .get, authority: "10.0.0.7", path: "/healthz", target: "/healthz") == nil)
        #expect(canonical.redirect(method: .post, authority: "127.0.0.1:8080", path: "/login", target: "/login") == nil)
    }

    @Test("Bad input gets a clear error page, never a 500", arguments: TestDatabase.engines)
    func badInput(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                let missing = try await browser.get("/o/no-such-org/login")
                #expect(missing.status == .notFound && missing.body.contains("Page not found"))
                #expect(try await browser.get("/nothing/here").status == .notFound)
                _ = try await browser.get("/login")
                let csrf = try #require(browser.pageToken)
                let garbage = try await browser.send("/login", method: .post, body: "csrf=\(csrf)&username=%ZZ%&password=%", headers: [.contentType: "application/x-www-form-urlencoded"])
                #expect(garbage.status == .badRequest && garbage.body.contains("id=\"error\""))
                let huge = try await browser.send("/login", method: .post, body: "csrf=\(csrf)&x=" + String(repeating: "a", count: 100_000))
                #expect(huge.status == .contentTooLarge)
                #expect(try await browser.post("/login", ["username": String(repeating: "u", count: 5000), "password": "x"]).status == .badRequest)
                #expect(try await browser.get("/login/challenge").location == "/login")
                #expect(try await browser.post("/login/challenge", ["code": "123456"]).location == "/login")
                #expect(try await browser.post("/settings/factors/x/remove", [:]).location == "/login")
            }
            #expect(!test.logs.text.contains("request failed"))
        }
    }

    @Test("When password hashing is saturated, sign-in answers 503 at once", arguments: TestDatabase.engines)
    func overload(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.hashing.concurrency = 1; $0.hashing.queue = 0 }
            _ = try await test.createUser("alice", password: "alice's long password")
            let gate = Gate()
            let limiter = test.app.hasher.limiter
            let holder = Task { try await limiter.run { gate.wait() } }
            while await limiter.load.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
            try await test.run { browser in
                _ = try await browser.get("/login")
                let busy = try await browser.post("/login", ["username": "alice", "password": "alice's long password"])
                #expect(busy.status == .serviceUnavailable && busy.headers[.retryAfter] == "2")
                gate.open()
                try await holder.value
                #expect(try await browser.post("/login", ["username": "alice", "password": "alice's long password"]).status == .seeOther)
            }
        }
    }

    @Test("Health and readiness", arguments: TestDatabase.engines)
    func health(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            try await test.run { browser in
                #expect(try await browser.get("/healthz").status == .ok)
                let ready = try await browser.get("/readyz")
                #expect(ready.status == .ok && ready.body == "ready\n")
                let css = try await browser.get("/static/app.css")
                #expect(css.status == .ok)
            }
        }
    }
}

