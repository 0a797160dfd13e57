import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("Portal and settings, on SQLite and PostgreSQL")
struct SettingsTests {
    /// Signs `browser` in as a user who skips the enrollment invitation, loading each page as a browser would.
    static func signIn(_ browser: Browser, _ username: String, _ password: String) async throws {
        _ = try await browser.get("/login")
        #expect(try await browser.post("/login", ["username": username, "password": password]).location == "/login/enroll")
        _ = try await browser.get("/login/enroll")
        #expect(try await browser.post("/login/enroll/skip", [:]).location == "/portal")
        _ = try await browser.get("/portal")
    }

    /// Adds an authenticator app from settings; returns its factor id and secret.
    static func addApp(_ browser: Browser, clock: ManualClock, label: String) async throws -> (String, [UInt8], String) {
        _ = try await browser.get("/settings")  // the button is on the settings page (and its form's CSRF token)
        let page = try await browser.submit("/enroll/totp/start", [:])
        let grouped = try #require(firstMatch("id=\"totp-secret\" class=\"secret\">([^<]+)<", in: page.body))
        let secret = try #require(Base32.decode(grouped))
        let id = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: page.body))
        clock.advance(by: 30)
        let done = try await browser.submit("/enroll/totp", ["factor_id": id, "code": OneTimePassword.totp(secret: secret, at: clock.now), "label": label])
        return (id, secret, done.body)
    }

    @Test("Add apps, rename, choose the default, remove, regenerate backup codes", arguments: TestDatabase.engines)
    func manageFactors(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("dana", password: "dana's long password")
            try await test.run { browser in
                try await Self.signIn(browser, "dana", "dana's long password")
                let portal = try await browser.get("/portal")
                #expect(portal.body.contains("id=\"apps\"") && portal.body.contains("No applications yet"))
                #expect(portal.body.contains("We recommend at least 2"))

                let (phone, _, firstBody) = try await Self.addApp(browser, clock: test.clock, label: "Phone")
                #expect(allMatches("<li class=\"backup-code\">", in: firstBody).count == 10, "codes come with the first factor")
                let (tablet, _, secondBody) = try await Self.addApp(browser, clock: test.clock, label: "Tablet")
                #expect(!secondBody.contains("<li class=\"backup-code\">"), "no new list with the second factor")

                var factors = try await test.app.signIn.confirmedFactors(userID: user.id)
                #expect(factors.first { $0.isDefault }?.id == phone, "the first app became the default")

                #expect(try await browser.post("/settings/factors/\(tablet)/default", [:]).location == "/settings?notice=default")
                #expect(try await browser.post("/settings/factors/\(tablet)/rename", ["label": "  iPad  "]).location == "/settings?notice=renamed")
                #expect(try await browser.post("/settings/factors/\(tablet)/rename", ["label": "   "]).location == "/settings?notice=rename_failed")
                factors = try await test.app.signIn.confirmedFactors(userID: user.id)
                let defaultFactor = try #require(factors.first { $0.isDefault })
                #expect(defaultFactor.id == tablet && defaultFactor.label == "iPad")
                let codes = try #require(factors.first { $0.type == .backupCodes })
                #expect(try await browser.post("/settings/factors/\(codes.id)/default", [:]).location == "/settings?notice=default_failed",
                        "backup codes can never be the default")

                let settings = try await browser.get("/settings?notice=renamed")
                #expect(settings.body.contains("id=\"notice\"") && settings.body.contains("iPad"))

                // Removing the default hands it to the remaining app.
                #expect(try await browser.post("/settings/factors/\(tablet)/remove", [:]).location == "/settings?notice=removed")
                factors = try await test.app.signIn.confirmedFactors(userID: user.id)
                #expect(factors.first { $0.isDefault }?.id == phone)
                #expect(!factors.contains { $0.id == tablet })

                // Regenerating voids the old list.
                let regenerated = try await browser.submit("/settings/backup-codes", [:])
                let fresh = allMatches("<li class=\"backup-code\"><code>([a-z0-9-]+)</code>", in: regenerated.body)
                #expect(fresh.count == 10)
                #expect(try await test.app.repositories.factors.find(id: codes.id, userID: user.id) == nil)

                // Another user's factor cannot be touched.
                let other = try await test.createUser("eve", password: "eve's long password")
                let enrollment = try await TOTPFactor().beginEnrollment(userID: other.id, label: "x", context: test.app.factorContext)
                _ = try await test.app.factors.confirm(userID: other.id, factorID: enrollment.factor.id,
                    response: FactorResponse.code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)), label: nil, ip: "x")
                #expect(try await browser.post("/settings/factors/\(enrollment.factor.id)/remove", [:]).location == "/settings?notice=remove_failed")
                #expect(try await test.app.repositories.factors.find(id: enrollment.factor.id, userID: other.id) != nil)
            }
        }
    }

    @Test("Outside development mode cookies are Secure with the __Host- prefix", arguments: TestDatabase.engines)
    func secureCookies(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.server.development = false; $0.server.baseURL = "https://mfa.example.com" }
            try await test.run { browser in
                let login = try await browser.get("/login")
                #expect(login.headers[.strictTransportSecurity] != nil)
                let header = try #require(browser.setCookieHeaders.first)
                #expect(header.hasPrefix("__Host-portcullis_csrf=") && header.contains("Secure") && header.contains("HttpOnly")
                        && header.contains("SameSite=Lax") && header.contains("Path=/"))
            }
        }
    }
}
