import Foundation
import PortcullisCore
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Route groups: each stage of a session has its own typed context, checked once")
struct RouteGroupTests {
    @Test("Signed-in, second-factor and admin pages send everyone else where they belong; static files may be cached, pages never")
    func groups() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("rosa", password: "rosa's long password")
            try await test.run { browser in
                // No session: every page behind sign-in, the second-factor step and the admin area go to sign in.
                for path in ["/portal", "/settings", "/settings/verify", "/enroll/pattern", "/login/challenge", "/login/enroll",
                             "/login/methods", "/admin", "/admin/tokens"] {
                    let page = try await browser.get(path)
                    #expect(page.status == .seeOther && page.location == "/login", "\(path)")
                }
                #expect(try await browser.get("/settings").headers[.cacheControl] == "no-store")
                let css = try await browser.get("/static/app.css")
                #expect(css.status == .ok && css.headers[.cacheControl] == "public, max-age=3600")

                // Signed in as a user: the second-factor step sends to the portal, the admin area is refused.
                try await SettingsTests.signIn(browser, "rosa", "rosa's long password")
                #expect(try await browser.get("/portal").status == .ok)
                #expect(try await browser.get("/login/challenge").location == "/portal")
                #expect(try await browser.get("/login/enroll").location == "/portal")
                let admin = try await browser.get("/admin/tokens")
                #expect(admin.status == .forbidden && admin.body.contains("Administrators only"))
                // A form in a group still needs the CSRF token.
                #expect(try await browser.post("/settings/sessions/end-others", [:], csrf: "forged").status == .forbidden)
            }
        }
    }
}
