import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Re-authentication before security changes, and ending other sessions, on SQLite and PostgreSQL")
struct StepUpTests {
    let password = "rosa's long password"

    @Test("After 5 minutes a security change asks for a second factor first and returns to the action", arguments: TestDatabase.engines)
    func stepUp(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("rosa", password: password)
            try await test.run { browser in
                // The first factor needs no step-up: the user has none yet.
                try await SettingsTests.signIn(browser, "rosa", password)
                let (phone, _, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Phone")
                // Just after proving a factor, changes go through.
                let (tablet, secret, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Tablet")
                #expect(try await browser.post("/settings/factors/\(tablet)/default", [:]).location == "/settings?notice=default")

                // Six minutes later: removing, changing the default, new backup codes and adding all ask first.
                test.clock.advance(by: 6 * 60)
                for (path, fields) in [("/settings/factors/\(tablet)/remove", [String: String]()), ("/settings/factors/\(phone)/default", [:]),
                                       ("/settings/backup-codes", [:])] {
                    #expect(try await browser.post(path, fields).location == "/settings/verify?next=/settings", "\(path)")
                }
                #expect(try await browser.post("/enroll/totp/start", [:]).location == "/settings/verify?next=/enroll/totp")
                #expect(try await browser.get("/enroll/webauthn").location == "/settings/verify?next=/enroll/webauthn")
                // Renaming is not a security change.
                #expect(try await browser.post("/settings/factors/\(tablet)/rename", ["label": "iPad"]).location == "/settings?notice=renamed")

                // The step-up page: the default factor's challenge, returning to the action.
                let page = try await browser.get("/settings/verify?next=/enroll/totp")
                #expect(page.body.contains("Before you change your sign-in methods") && page.body.contains("action=\"/settings/verify\""))
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: page.body))
                #expect(factorID == tablet, "the default factor")
                let wrong = try await browser.post("/settings/verify", ["factor_id": factorID, "code": "000000", "next": "/enroll/totp"])
                #expect(wrong.location?.hasPrefix("/settings/verify?factor=") == true)
                // The page's inbound-SMS poll (JSON) in between does not swallow the message meant for the page.
                #expect(try await browser.get("/settings/verify/status?factor=\(factorID)").body.contains("confirmed"))
                let shown = try await browser.follow(wrong)
                #expect(shown.body.contains("id=\"error\""))
                #expect(!(try await browser.follow(wrong)).body.contains("id=\"error\""), "shown once")
                #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == 1, "a wrong step-up counts like sign-in")
                test.clock.advance(by: 30)
                let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                #expect(try await browser.post("/settings/verify", ["factor_id": factorID, "code": code, "next": "/enroll/totp"]).location == "/enroll/totp")
                #expect(try await browser.post("/settings/factors/\(tablet)/remove", [:]).location == "/settings?notice=removed")
                // Only local paths are returned to.
                #expect(WebContext.returnPath("https://evil.example/") == "/settings")
                #expect(WebContext.returnPath("//evil.example/") == "/settings")
            }
        }
    }

    @Test("Removing a factor and new backup codes end the other sessions; Sign out other sessions", arguments: TestDatabase.engines)
    func otherSessions(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("rosa", password: password)
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "rosa", password)
                let (_, secret, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Phone")
                let other = Browser(browser.client)
                func signInOther() async throws {
                    _ = try await other.get("/login")
                    #expect(try await other.post("/login", ["username": "rosa", "password": password]).location == "/login/challenge")
                    test.clock.advance(by: 30)
                    let challenge = try await other.get("/login/challenge")
                    let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
                    let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                    #expect(try await other.post("/login/challenge", ["factor_id": factorID, "code": code]).location == "/portal")
                }
                try await signInOther()
                #expect(try await browser.submit("/settings/backup-codes", [:]).body.contains("backup-code"))
                #expect(try await other.get("/portal").location == "/login", "new backup codes end the other sessions")
                #expect(try await browser.get("/portal").status == .ok, "but not this one")

                try await signInOther()
                #expect(try await browser.post("/settings/sessions/end-others", [:]).location == "/settings?notice=sessions_ended")
                #expect(try await other.get("/portal").location == "/login")
                #expect(try await browser.get("/settings?notice=sessions_ended").body.contains("signed out everywhere else"))
            }
        }
    }
}
