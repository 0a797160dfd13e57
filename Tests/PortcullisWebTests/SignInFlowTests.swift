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

@Suite("Sign-in through HTTP, on SQLite and PostgreSQL")
struct SignInFlowTests {
    @Test("A required user enrolls TOTP, gets backup codes, signs in with TOTP and a backup code, and is locked out after 5 wrong codes",
          arguments: TestDatabase.engines)
    func fullFlow(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let password = "alice's long password"
            _ = try await test.createUser("alice", password: password, mfaRequired: true)
            let secrets = SecretsSeen()
            secrets.add(password)
            secrets.add(try #require(test.app.configuration.keys.key))
            try await test.run { browser in
                // Sign-in page: CSRF cookie, security headers.
                let login = try await browser.get("/login")
                #expect(login.status == .ok && login.body.contains("id=\"login-form\""))
                #expect(login.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(login.headers[.xContentTypeOptions] == "nosniff")
                #expect(browser.setCookieHeaders.allSatisfy { $0.contains("HttpOnly") && $0.contains("SameSite=Lax") })

                // Password → forced enrollment, no way around it.
                let afterPassword = try await browser.post("/login", ["username": "Alice", "password": password])
                #expect(afterPassword.status == .seeOther && afterPassword.location == "/login/enroll")
                let pendingToken = try #require(browser.cookies["portcullis_session"])
                #expect(try await browser.get("/portal").location == "/login", "not signed in yet")
                let enroll = try await browser.get("/login/enroll")
                #expect(enroll.body.contains("id=\"enroll-totp\"") && !enroll.body.contains("id=\"skip\""))
                #expect(enroll.body.contains("id=\"enroll-sign-out\""), "a required enrollment can still be left")
                #expect(try await browser.post("/login/enroll/skip", [:]).status == .forbidden)

                // TOTP enrollment: QR as inline SVG, key URI, grouped secret.
                // A new secret only by POST; the page itself (and a reload) shows the same one.
                #expect(try await browser.get("/enroll/totp").body.contains("id=\"start-totp\""))
                #expect(try await browser.post("/enroll/totp/start", [:]).location == "/enroll/totp")
                let totpPage = try await browser.get("/enroll/totp")
                #expect(totpPage.body.contains("<svg id=\"totp-qr\""))
                #expect(try await browser.get("/enroll/totp").body == totpPage.body, "reloading changes nothing")
                let uri = try #require(firstMatch("id=\"totp-uri\" class=\"uri\">([^<]+)<", in: totpPage.body))
                #expect(uri.hasPrefix("otpauth://totp/Portcullis%3Aalice?secret=") && uri.contains("&amp;issuer=Portcullis"))
                let grouped = try #require(firstMatch("id=\"totp-secret\" class=\"secret\">([^<]+)<", in: totpPage.body))
                #expect(grouped.split(separator: " ").allSatisfy { $0.count <= 4 })
                let secret = try #require(Base32.decode(grouped))
                #expect(secret.count >= 20, "at least 160 bits")
                secrets.add(Base32.encode(secret))
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: totpPage.body))
                let wrong = try await browser.post("/enroll/totp", ["factor_id": factorID, "code": "12345", "label": "Phone"])
                #expect(wrong.location == "/enroll/totp")
                let wrongPage = try await browser.follow(wrong)
                #expect(wrongPage.body.contains("id=\"error\"") && wrongPage.body.contains("value=\"Phone\""), "the error and the name, after the redirect")
                let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                secrets.add(code)
                let confirmed = try await browser.submit("/enroll/totp", ["factor_id": factorID, "code": code, "label": "Phone"])
                #expect(confirmed.status == .ok)
                let codes = allMatches("<li class=\"backup-code\"><code>([a-z0-9-]+)</code>", in: confirmed.body)
                #expect(codes.count == 10)
                codes.forEach(secrets.add)
                #expect(confirmed.body.contains("id=\"download-codes\"") && confirmed.body.contains("download=\""))
                let signedInToken = try #require(browser.cookies["portcullis_session"])
                #expect(signedInToken != pendingToken, "new session id at the change of state")

                let portal = try await browser.get("/portal")
                #expect(portal.status == .ok && portal.body.contains("Welcome, Alice Example"))
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("data-type=\"totp\"") && settings.body.contains("data-type=\"backup_codes\""))
                #expect(settings.body.contains("Phone"))

                // Sign out ends the session on the server.
                let out = try await browser.post("/logout", [:])
                #expect(out.location == "/login?notice=signed_out")
                #expect(try await test.app.sessions.validate(token: signedInToken) == nil)

                // Sign in with TOTP (next time step); the same code again is refused.
                test.clock.advance(by: 30)
                _ = try await browser.get("/login?notice=signed_out")
                #expect(try await browser.post("/login", ["username": "alice", "password": password]).location == "/login/challenge")
                let challenge = try await browser.get("/login/challenge")
                #expect(challenge.body.contains("Authenticator app"))
                let challengeFactor = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
                let next = OneTimePassword.totp(secret: secret, at: test.clock.now)
                secrets.add(next)
                #expect(try await browser.post("/login/challenge", ["factor_id": challengeFactor, "code": next]).location == "/portal")
                try await Self.signOutAndIn(browser, "alice", password)
                let replay = try await browser.post("/login/challenge", ["factor_id": challengeFactor, "code": next])
                #expect(replay.location == "/login/challenge?factor=\(challengeFactor)", "a replayed code: back to the challenge")
                let refusedPage = try await browser.follow(replay)
                #expect(refusedPage.body.contains("id=\"error\""), "a replayed code")
                #expect(!(try await browser.get("/login/challenge?factor=\(challengeFactor)").body.contains("id=\"error\"")),
                        "the error is said once: a reload shows a clean page")

                // "Use another method" lists only the user's confirmed factors.
                let methods = try await browser.get("/login/methods")
                #expect(Set(allMatches("data-method=\"([a-z_]+)\"", in: methods.body)) == ["totp", "backup_codes"])
                let codesFactor = try #require(firstMatch("data-method=\"backup_codes\" data-factor-id=\"([^\"]+)\"", in: methods.body))
                #expect(try await browser.get("/login/challenge?factor=\(codesFactor)").body.contains("backup code"))
                #expect(try await browser.post("/login/challenge", ["factor_id": codesFactor, "code": codes[0]]).location == "/portal")
                try await Self.signOutAndIn(browser, "alice", password)
                #expect(try await browser.submit("/login/challenge", ["factor_id": codesFactor, "code": codes[0]]).body.contains("id=\"error\""),
                        "a used backup code")   // refused as a replay: not a guess, not counted

                // Five wrong codes lock the account.
                for attempt in 1...5 {
                    let response = try await browser.post("/login/challenge", ["factor_id": challengeFactor, "code": "000000"])
                    if attempt < 5 { #expect(response.location?.hasPrefix("/login/challenge?") == true) } else { #expect(response.location == "/login?notice=locked") }
                }
                #expect(browser.cookies["portcullis_session"] == nil)
                #expect(try await browser.get("/login?notice=locked").body.contains("locked"))
                // The right password now gets exactly the answer a wrong one gets.
                let lockedAnswer = try await browser.post("/login", ["username": "alice", "password": password])
                let wrongAnswer = try await browser.post("/login", ["username": "nobody", "password": "not the password"])
                #expect(lockedAnswer.status == .unauthorized && wrongAnswer.status == .unauthorized)
                #expect(firstMatch("id=\"error\"[^>]*>([^<]+)<", in: lockedAnswer.body) == firstMatch("id=\"error\"[^>]*>([^<]+)<", in: wrongAnswer.body))
            }
            let events = try await test.app.repositories.audit.list(organizationID: nil, userID: nil, limit: 500).map(\.type)
            for type in [AuditEventType.signInSucceeded, .signInFailed, .factorFailed, .factorEnrolled, .accountLocked, .backupCodesIssued, .signedOut] {
                #expect(events.contains(type), "audit has \(type)")
            }
            let logs = test.logs.text
            #expect(!logs.isEmpty)
            for secret in secrets.all { #expect(!logs.contains(secret), "a secret appears in the logs") }
        }
    }

    @Test("Someone with only the password cannot enroll a factor for a user who has one", arguments: TestDatabase.engines)
    func noEnrollmentBypass(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("alice", password: "alice's long password")
            let services = test.app
            let enrollment = try await TOTPFactor().beginEnrollment(userID: user.id, label: "Phone", context: services.factorContext)
            _ = try await services.factors.confirm(userID: user.id, factorID: enrollment.factor.id,
                                                   response: FactorResponse.code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)),
                                                   label: nil, ip: "x")
            try await test.run { browser in
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "alice", "password": "alice's long password"]).location == "/login/challenge")
                _ = try await browser.get("/login/challenge")
                #expect(try await browser.get("/enroll/totp").location == "/login/challenge")
                #expect(try await browser.post("/enroll/totp", ["factor_id": "x", "code": "123456"]).location == "/login/challenge")
                #expect(try await browser.get("/login/enroll").location == "/login/challenge")
                #expect(try await browser.get("/settings").location == "/login")
            }
        }
    }

    @Test("A user who need not use MFA is invited, and may skip or dismiss the invitation", arguments: TestDatabase.engines)
    func invitation(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("bob", password: "bob's long password")
            try await test.run { browser in
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "bob", "password": "bob's long password"]).location == "/login/enroll")
                let invite = try await browser.get("/login/enroll")
                #expect(invite.body.contains("id=\"skip\"") && invite.body.contains("id=\"dont-show\""))
                #expect(try await browser.post("/login/enroll/skip", [:]).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "bob", "password": "bob's long password"]).location == "/login/enroll",
                        "asked again after skipping")
                _ = try await browser.get("/login/enroll")
                #expect(try await browser.post("/login/enroll/dismiss", [:]).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "bob", "password": "bob's long password"]).location == "/portal",
                        "not asked after don't show again")
            }
            #expect(try await test.app.repositories.users.find(id: user.id)?.mfaPromptDismissed == true)
        }
    }
}

extension SignInFlowTests {
    /// From the portal: signs out, and signs in again with the password up to the challenge page, loading each page.
    static func signOutAndIn(_ browser: Browser, _ username: String, _ password: String) async throws {
        _ = try await browser.get("/portal")
        _ = try await browser.post("/logout", [:])
        _ = try await browser.get("/login")
        #expect(try await browser.post("/login", ["username": username, "password": password]).location == "/login/challenge")
        _ = try await browser.get("/login/challenge")
    }
}

/// Secrets used in a test, to look for in the logs.
final class SecretsSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String] = []
    func add(_ value: String) { lock.withLock { values.append(value) } }
    var all: [String] { lock.withLock { values } }
}
