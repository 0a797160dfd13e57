import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

/// Changing a password in settings, and the change a temporary or expired password forces at sign-in (SPEC §5).
@Suite("Passwords: change in settings, forced change at sign-in, expiry, on SQLite and PostgreSQL")
struct PasswordPagesTests {
    static let newPassword = "lantern orbit maple kettle"

    @Test("Change password: a recent second factor, the current password (counted like sign-in), the policy; other sessions end",
          arguments: TestDatabase.engines)
    func change(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                let other = Browser(browser.client)
                try await AdminSignIn.signIn(other, test, secret: secret)
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("id=\"password-status\"") && settings.body.contains("It does not expire."))
                let page = try await browser.get("/settings/password")
                #expect(page.body.contains("At least 8 characters") && page.body.contains("id=\"password-strength\""))
                #expect(page.body.contains("autocomplete=\"current-password\""))

                // Refusals re-show the page with one sentence; nothing changes.
                func post(_ current: String, _ new: String, confirm: String? = nil) async throws -> Browser.Page {
                    try await browser.post("/settings/password", ["current": current, "new": new, "confirm": confirm ?? new])
                }
                var answer = try await post("boss's long password", "PassWord123")
                #expect(answer.status == .unprocessableContent && answer.body.contains("list of common or breached passwords"))
                answer = try await post("boss's long password", "boss2024!")
                #expect(answer.status == .unprocessableContent && answer.body.contains("name, username"))
                answer = try await post("boss's long password", Self.newPassword, confirm: "something else")
                #expect(answer.status == .unprocessableContent && answer.body.contains("The two new passwords differ"))
                answer = try await post("boss's long password", "boss's long password")
                #expect(answer.status == .unprocessableContent && answer.body.contains("different from your current one"))
                answer = try await post("not my password", Self.newPassword)
                #expect(answer.status == .unauthorized && answer.body.contains("current password is not right"))
                #expect(try await test.app.repositories.users.find(id: admin.id)?.failedPasswordAttempts == 1, "a wrong current password counts")

                let changed = try await post("boss's long password", Self.newPassword)
                #expect(changed.location == "/settings?notice=password_changed")
                #expect(try await browser.get("/settings?notice=password_changed").body.contains("Update it on your other devices"))
                #expect(try await other.get("/settings").location == "/login", "the other session ended")
                let stored = try #require(try await test.app.repositories.users.find(id: admin.id))
                #expect(stored.passwordChangedAt == test.clock.now && stored.failedPasswordAttempts == 0)
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: admin.id, limit: 50)
                #expect(events.contains { $0.type == .passwordChanged && $0.actor == .user(admin.id) })

                // Six minutes later the change needs a fresh second factor first.
                test.clock.advance(by: 6 * 60)
                #expect(try await browser.get("/settings/password").location == "/settings/verify?next=/settings/password")
                #expect(try await post(Self.newPassword, "another good passphrase").location == "/settings/verify?next=/settings/password")
            }
        }
    }

    @Test("Five wrong current passwords lock the account and end the session", arguments: TestDatabase.engines)
    func wrongCurrentLocks(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                _ = try await browser.get("/settings/password")
                var last: Browser.Page?
                for _ in 0..<5 {
                    last = try await browser.post("/settings/password", ["current": "wrong guess", "new": Self.newPassword, "confirm": Self.newPassword])
                }
                #expect(last?.location == "/login?notice=locked")
                #expect(try await test.app.repositories.users.find(id: admin.id)?.isLocked(at: test.clock.now) == true)
            }
        }
    }

    @Test("A temporary password from an administrator: the sign-in asks for a new one before anything else", arguments: TestDatabase.engines)
    func temporary(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("tess", password: "tess's first password")
            let scope = AdminScope(actor: .cli, organizationID: user.organizationID)
            let temporary = try await test.app.users.setTemporaryPassword(user, password: nil, scope: scope)
            try await test.run { browser in
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "tess", "password": temporary]).location == "/login/enroll")
                _ = try await browser.get("/login/enroll")
                #expect(try await browser.post("/login/enroll/skip", [:]).location == "/login/password")
                // Nothing else opens until the password is replaced.
                for path in ["/portal", "/settings", "/admin"] {
                    #expect(try await browser.get(path).location == "/login/password", "\(path)")
                }
                #expect(try await browser.get("/login/challenge").location == "/login/password")
                let page = try await browser.get("/login/password")
                #expect(page.body.contains("temporary password") && !page.body.contains("name=\"current\""))
                #expect(page.body.contains("At least 15 characters"), "no second factor: the longer minimum")
                var answer = try await browser.post("/login/password", ["new": temporary, "confirm": temporary])
                #expect(answer.status == .unprocessableContent && answer.body.contains("different from your current one"))
                answer = try await browser.post("/login/password", ["new": "short one", "confirm": "short one"])
                #expect(answer.status == .unprocessableContent && answer.body.contains("at least 15 characters"))
                let done = try await browser.post("/login/password", ["new": Self.newPassword, "confirm": Self.newPassword])
                #expect(done.location == "/portal?notice=password_changed")
                #expect(try await browser.get("/portal").status == .ok)
                let stored = try #require(try await test.app.repositories.users.find(id: user.id))
                #expect(!stored.mustChangePassword)
                #expect(try await test.app.hasher.verify(Self.newPassword, against: stored.passwordHash))
            }
        }
    }

    @Test("Expiry (weaker than the defaults): a warning before it at sign-in and in settings, a forced change after it",
          arguments: TestDatabase.engines)
    func expiry(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            var policy = organization.policy
            policy.password.maximumAgeDays = 30
            policy.password.expiryWarningDays = 7
            try await test.app.administration.setPolicy(organization, policy, actor: .cli)
            _ = try await test.createUser("erin", password: "erin's long password")
            try await test.run { browser in
                test.clock.advance(by: 20 * 86_400)
                try await SettingsTests.signIn(browser, "erin", "erin's long password")
                #expect(!(try await browser.get("/portal")).body.contains("id=\"password-expiry\""), "20 days: no warning yet")
                #expect(try await browser.get("/settings").body.contains("It expires"))
                _ = try await browser.post("/logout", [:])

                test.clock.advance(by: 5 * 86_400)
                try await SettingsTests.signIn(browser, "erin", "erin's long password")
                let portal = try await browser.get("/portal")
                #expect(portal.body.contains("id=\"password-expiry\"") && portal.body.contains("expires in 5 day(s)"))
                #expect(try await browser.get("/settings").body.contains("id=\"password-expiry\""))
                _ = try await browser.post("/logout", [:])

                test.clock.advance(by: 6 * 86_400)
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "erin", "password": "erin's long password"]).location == "/login/enroll")
                _ = try await browser.get("/login/enroll")
                #expect(try await browser.post("/login/enroll/skip", [:]).location == "/login/password")
                #expect(try await browser.get("/login/password").body.contains("Your password has expired"))
                let done = try await browser.post("/login/password", ["new": Self.newPassword, "confirm": Self.newPassword])
                #expect(done.location == "/portal?notice=password_changed")
                #expect(!(try await browser.get("/portal")).body.contains("id=\"password-expiry\""), "a new password starts a new period")
            }
        }
    }
}
