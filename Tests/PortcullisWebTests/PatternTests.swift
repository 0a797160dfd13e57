import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("Grid pattern, on SQLite and PostgreSQL")
struct PatternTests {
    @Test("Rules: at least 4 dots, none twice, inside the grid, drawn twice alike", arguments: [
        ("1-5-9-6", 3, true), ("1 2 3", 3, false), ("1-2-3-1", 3, false), ("1-2-3-10", 3, false), ("1-2-3-10", 4, true),
        ("25-19-13-7-1", 5, true), ("", 3, false), ("a-b-c-d", 3, false),
    ])
    func rules(input: String, size: Int, valid: Bool) {
        if case .success = PatternFactor.parse(input, gridSize: size) { #expect(valid) } else { #expect(!valid) }
    }

    @Test("Enroll from settings, sign in with it, a wrong pattern counts toward the lockout; backup-only", arguments: TestDatabase.engines)
    func flow(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("gail", password: "gail's long password")
            try await test.run { browser in
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "gail", "password": "gail's long password"])
                _ = try await browser.get("/login/enroll")
                _ = try await browser.post("/login/enroll/skip", [:])
                // Needs another factor first (it backs one up): add an app.
                let (_, secret, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Phone")
                let page = try await browser.get("/enroll/pattern")
                #expect(page.body.contains("data-dot=\"9\"") && !page.body.contains("data-dot=\"10\"") && page.body.contains("id=\"show-pattern\""))
                #expect(!page.body.contains("id=\"show-pattern\" class=\"show-pattern\" checked"), "hidden while drawing by default")
                #expect(try await browser.submit("/enroll/pattern", ["pattern": "1-2-3", "confirmation": "1-2-3"]).body.contains("at least 4"))
                #expect(try await browser.submit("/enroll/pattern", ["pattern": "1-5-9-6", "confirmation": "1-5-9-8"]).body.contains("differ"))
                #expect(try await browser.post("/enroll/pattern", ["pattern": "1 5 9 6", "confirmation": "1-5-9-6"]).location == "/settings?notice=pattern_enrolled")
                let factors = try await test.app.signIn.confirmedFactors(userID: user.id)
                let pattern = try #require(factors.first { $0.type == .pattern })
                let patternRow = try #require(firstMatch("(<tr class=\"factor\" data-type=\"pattern\".*?</tr>)", in: try await browser.get("/settings").body))
                #expect(patternRow.contains("Something you know"), "a pattern is known, not kept")
                #expect(!pattern.isDefault)
                #expect(try await browser.post("/settings/factors/\(pattern.id)/default", [:]).location == "/settings?notice=default_failed")
                let row = try await db.sql.raw("SELECT sealed_secret FROM factors WHERE id = \(bind: pattern.id)").first()
                let sealed = try #require(try row?.decode(column: "sealed_secret", as: Data.self))
                #expect(String(decoding: try test.app.factorContext.secrets.open(sealed, context: pattern.secretContext), as: UTF8.self).hasPrefix("$argon2id$"))
                _ = try await browser.post("/logout", [:])

                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "gail", "password": "gail's long password"])
                let challenge = try await browser.get("/login/challenge?factor=\(pattern.id)")
                #expect(challenge.body.contains("class=\"pattern-board\"") && challenge.body.contains("/static/pattern.js"))
                #expect(try await browser.post("/login/challenge", ["factor_id": pattern.id, "pattern": "1-5-9-8"]).location?.hasPrefix("/login/challenge?") == true)
                #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == 1)
                #expect(try await browser.post("/login/challenge", ["factor_id": pattern.id, "pattern": "1-5-9-6"]).location == "/portal")
                #expect(try await test.app.sessions.validate(token: try #require(browser.cookies["portcullis_session"]))?.amr == ["pwd", "pin"],
                        "recorded as a knowledge factor")
                _ = secret
            }
        }
    }
}
