import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import Testing
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
                _ = try await browser.post("/login/enroll/skip", [:])
                #expect(try await browser.post("/logout", [:], csrf: "forged").status == .forbidden)
                #expect(try await browser.get("/portal").status == .ok, "still signed in")
            }
        }
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
                let csrf = browser.cookies["portcullis_csrf"]!
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
            let test = try await TestApp.make(database: db) { $0.hashConcurrency = 1; $0.hashQueue = 0 }
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

