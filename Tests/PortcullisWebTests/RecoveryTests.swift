import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

/// "Forgot password" and "Unlock account" (SPEC §5, issue 11 point 3) and challenge questions (point 4).
@Suite("Forgot password and unlock account, on SQLite and PostgreSQL")
struct RecoveryTests {
    static let newPassword = "quarry lantern velvet oak"

    /// Starts a recovery for `username` and returns the methods page.
    static func start(_ browser: Browser, _ username: String, purpose: String = "reset") async throws -> Browser.Page {
        let page = try await browser.get("/recover?purpose=\(purpose)")
        #expect(page.body.contains("name=\"username\""))
        let started = try await browser.post("/recover?org=default", ["username": username, "purpose": purpose])
        #expect(started.location == "/recover/verify")
        return try await browser.get("/recover/verify")
    }

    @Test("Reset with an authenticator code: a new password under the policy, once; the next sign-in still asks for the factor",
          arguments: TestDatabase.engines)
    func reset(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                let signedIn = Browser(browser.client)
                try await AdminSignIn.signIn(signedIn, test, secret: secret)
                let login = try await browser.get("/login")
                #expect(login.body.contains("href=\"/recover?purpose=reset&amp;org=default\"") && login.body.contains("Unlock account"))
                let methods = try await Self.start(browser, "Boss")
                #expect(methods.body.contains("Code from your authenticator app") && methods.body.contains("Use your security key"))
                #expect(try await browser.get("/recover/finish").location == "/recover/verify", "nothing proven yet")

                test.clock.advance(by: 30)
                let wrong = try await browser.post("/recover/verify", ["type": "totp", "code": "000000"])
                #expect(wrong.location == "/recover/verify?notice=rejected")
                #expect(try await test.app.repositories.users.find(id: admin.id)?.failedFactorAttempts == 0, "recovery failures do not lock the account")
                let right = try await browser.post("/recover/verify", ["type": "totp", "code": OneTimePassword.totp(secret: secret, at: test.clock.now)])
                #expect(try await browser.follow(right).body.contains("Choose a new password"))
                var answer = try await browser.post("/recover/finish", ["new": "password123", "confirm": "password123"])
                #expect(answer.status == .unprocessableContent && answer.body.contains("common or breached"))
                answer = try await browser.post("/recover/finish", ["new": Self.newPassword, "confirm": Self.newPassword])
                #expect(answer.location == "/login?notice=password_reset")
                #expect(browser.cookies.keys.allSatisfy { !$0.contains("recovery") }, "the recovery cookie is cleared")
                #expect(try await browser.get("/login?notice=password_reset").body.contains("still be asked for your second method"))
                #expect(try await signedIn.get("/settings").location == "/login", "every session ended")

                // The token worked once.
                #expect(try await browser.post("/recover/finish", ["new": "another fine passphrase", "confirm": "another fine passphrase"])
                    .location?.hasPrefix("/recover") == true)
                // The new password signs in, and the factor is still asked for.
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "boss", "password": Self.newPassword]).location == "/login/challenge")
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: admin.id, limit: 100).map(\.type)
                #expect(events.contains(.recoveryStarted) && events.contains(.recoveryProven) && events.contains(.passwordReset)
                        && events.contains(.recoveryFailed))
            }
        }
    }

    @Test("The answer to a name is the same whether or not it is an account; wrong answers block the request, not the account",
          arguments: TestDatabase.engines)
    func enumeration(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                var pages: [String] = []
                for name in ["boss", "nobody-here"] {
                    let other = Browser(browser.client)
                    let page = try await Self.start(other, name)
                    #expect(page.status == .ok)
                    pages.append(page.body.replacingOccurrences(of: #"value="[^"]{20,}""#, with: "", options: .regularExpression))
                    let sent = try await other.post("/recover/send", ["channel": "sms"])
                    #expect(sent.location == "/recover/verify?notice=sent_sms")
                    let key = try await other.post("/recover/webauthn/options", [:])
                    #expect(key.status == .ok && key.body.contains("allowCredentials"))
                    // Five wrong answers end the request.
                    var last: Browser.Page?
                    for _ in 0..<5 { last = try await other.post("/recover/verify", ["type": "backup_codes", "code": "aaaa-bbbb"]) }
                    #expect(last?.location == "/recover?notice=recovery_blocked")
                    #expect(try await other.get("/recover/verify").location == "/recover?notice=recovery_expired")
                }
                #expect(pages[0] == pages[1], "the methods page is the same for an account and for no account")
                // The stand-in security key of an unknown name is the same each time.
                let first = Browser(browser.client), second = Browser(browser.client)
                _ = try await Self.start(first, "ghost")
                _ = try await Self.start(second, "ghost")
                func allowed(_ b: Browser) async throws -> String? {
                    firstMatch(#""allowCredentials":\[\{"id":"([^"]+)""#, in: try await b.post("/recover/webauthn/options", [:]).body)
                }
                let (a, b) = (try await allowed(first), try await allowed(second))
                #expect(a != nil && a == b)
                let boss = try #require(try await test.app.repositories.users.find(organizationID: try await test.app.administration
                    .organization(slug: "default").id, username: "boss"))
                #expect(boss.failedFactorAttempts == 0 && !boss.isLocked(at: test.clock.now))
            }
        }
    }

    @Test("Unlock with a backup code lifts the lock; a lock that needs an administrator stays", arguments: TestDatabase.engines)
    func unlock(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            _ = secret
            let codes = try await test.app.factors.regenerateBackupCodes(userID: admin.id, keepingSession: nil, ip: "x") ?? []
            #expect(codes.count == 10)
            try await test.run { browser in
                _ = try await browser.get("/login")
                for _ in 0..<5 { _ = try await browser.post("/login", ["username": "boss", "password": "wrong password here"]) }
                #expect(try await test.app.repositories.users.find(id: admin.id)?.isLocked(at: test.clock.now) == true)

                _ = try await Self.start(browser, "boss", purpose: "unlock")
                let proven = try await browser.post("/recover/verify", ["type": "backup_codes", "code": codes[0]])
                let page = try await browser.follow(proven)
                #expect(page.body.contains("Unlock my account"))
                #expect(try await browser.post("/recover/finish", [:]).location == "/login?notice=unlocked")
                #expect(try await test.app.repositories.users.find(id: admin.id)?.isLocked(at: test.clock.now) == false)
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "boss", "password": "boss's long password"]).location == "/login/challenge")

                // At the escalation cap only an administrator unlocks.
                _ = try await test.app.repositories.users.lock(userID: admin.id, kind: .password, limit: 0, cap: 0, level: 0,
                                                               until: .distantFuture, needsAdmin: true, now: test.clock.now)
                let other = Browser(browser.client)
                _ = try await Self.start(other, "boss", purpose: "unlock")
                _ = try await other.follow(try await other.post("/recover/verify", ["type": "backup_codes", "code": codes[1]]))
                let refused = try await other.post("/recover/finish", [:])
                #expect(refused.status == .forbidden && refused.body.contains("only an administrator can unlock it"))
                #expect(try await test.app.repositories.users.find(id: admin.id)?.isLocked(at: test.clock.now) == true)
            }
        }
    }

    @Test("Two different methods by policy, then challenge questions (normalized; a wrong answer counts toward the lockout)",
          arguments: TestDatabase.engines)
    func twoMethodsAndQuestions(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            var policy = organization.policy
            policy.recovery.factorsRequired = 2
            policy.challengeQuestions.enabled = true
            policy.challengeQuestions.count = 2
            try await test.app.administration.setPolicy(organization, policy, actor: .cli)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            let codes = try await test.app.factors.regenerateBackupCodes(userID: admin.id, keepingSession: nil, ip: "x") ?? []
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("Challenge questions") && settings.body.contains("id=\"question-1\""))
                let questions = ChallengeQuestionPolicy.standardQuestions
                #expect(try await browser.post("/settings/questions", ["question0": questions[0], "answer0": "Hill  School",
                                                                       "question1": questions[0], "answer1": "Paris"]).location == "/settings")
                #expect(try await test.app.challengeQuestions.questions(of: admin).isEmpty, "the same question twice is refused")
                #expect(try await browser.post("/settings/questions", ["question0": questions[0], "answer0": "Hill  School",
                                                                       "question1": questions[1], "answer1": "Paris"]).location
                    == "/settings?notice=questions_saved")
                _ = try await browser.post("/logout", [:])

                let recovery = Browser(browser.client)
                _ = try await Self.start(recovery, "boss")
                test.clock.advance(by: 30)
                let first = try await recovery.post("/recover/verify", ["type": "totp", "code": OneTimePassword.totp(secret: secret, at: test.clock.now)])
                let second = try await recovery.follow(first)
                #expect(second.body.contains("Method 2 of 2") && second.body.contains("That worked"))
                test.clock.advance(by: 30)
                #expect(try await recovery.post("/recover/verify", ["type": "totp", "code": OneTimePassword.totp(secret: secret, at: test.clock.now)])
                    .location == "/recover/verify?notice=rejected", "the same factor twice is one method")
                let both = try await recovery.follow(try await recovery.post("/recover/verify", ["type": "backup_codes", "code": codes[0]]))
                #expect(both.body.contains(questions[0]) && both.body.contains(questions[1]) && !both.body.contains("Hill"))
                let wrong = try await recovery.post("/recover/questions", ["answer0": "hill school", "answer1": "London"])
                #expect(wrong.location == "/recover/questions?notice=rejected")
                #expect(try await test.app.repositories.users.find(id: admin.id)?.failedFactorAttempts == 1)
                let right = try await recovery.post("/recover/questions", ["answer0": "  HILL school ", "answer1": "paris"])
                #expect(try await recovery.follow(right).body.contains("Choose a new password"))
                #expect(try await recovery.post("/recover/finish", ["new": Self.newPassword, "confirm": Self.newPassword]).location
                    == "/login?notice=password_reset")
            }
        }
    }

    @Test("A code by text message or email for a reset goes to the account's phone or address; none goes anywhere for no account",
          arguments: TestDatabase.engines, [MessageChannel.sms, .email])
    func sentCode(engine: PortcullisDatabase.Engine, channel: MessageChannel) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("sam", password: "sam's long password")
            let destination = channel == .sms ? "+14155550142" : "sam@home.example"
            let enrollment = channel == .sms
                ? try await SMSFactor().beginEnrollment(userID: user.id, destination: destination, label: "Phone", context: test.app.factorContext)
                : try await EmailFactor().beginEnrollment(userID: user.id, destination: destination, label: "Mail", context: test.app.factorContext)
            try await test.app.repositories.factors.confirm(id: enrollment.id, userID: user.id, at: test.clock.now)
            try await test.run { browser in
                let outbox = try #require(test.app.outbox)
                let before = outbox.messages().count
                let sent = "/recover/verify?notice=sent_\(channel.rawValue)"
                let stranger = Browser(browser.client)
                _ = try await Self.start(stranger, "nobody")
                #expect(try await stranger.post("/recover/send", ["channel": channel.rawValue]).location == sent)
                _ = try await Self.start(browser, "sam")
                #expect(try await browser.post("/recover/send", ["channel": channel.rawValue]).location == sent)
                var code: String?
                for _ in 0..<200 where code == nil {
                    code = outbox.messages().dropFirst(before).first { $0.to == destination }.flatMap { firstMatch("([0-9]{6})", in: $0.body) }
                    if code == nil { try await Task.sleep(for: .milliseconds(10)) }
                }
                try await Task.sleep(for: .milliseconds(50))
                #expect(outbox.messages().count - before == 1, "one message, to the account's own \(channel.rawValue)")
                let wrongChannel = try await browser.post("/recover/verify", ["type": channel == .sms ? "email" : "sms", "code": try #require(code)])
                #expect(wrongChannel.location == "/recover/verify?notice=rejected", "the code proves only the method it went to")
                let proven = try await browser.post("/recover/verify", ["type": channel.rawValue, "code": try #require(code)])
                #expect(try await browser.follow(proven).body.contains("Choose a new password"))
            }
        }
    }

    @Test("Unlock with a drawn grid pattern; a wrong one is refused without touching the lockout", arguments: TestDatabase.engines)
    func gridPattern(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, _) = try await AdminSignIn.makeAdmin(test)
            guard case .success(let pattern) = try await PatternFactor().enroll(userID: admin.id, pattern: "1-5-9-6", confirmation: "1-5-9-6",
                                                                                gridSize: 3, label: nil, context: test.app.factorContext)
            else { Issue.record("pattern refused"); return }
            try await test.app.repositories.factors.insert(pattern)
            try await test.run { browser in
                let methods = try await Self.start(browser, "boss", purpose: "unlock")
                #expect(methods.body.contains("href=\"/recover/pattern\""))
                #expect(try await browser.get("/recover/pattern").body.contains("data-size=\"3\""))
                #expect(try await browser.post("/recover/verify", ["type": "pattern", "pattern": "1-5-9-8"]).location
                    == "/recover/pattern?notice=rejected")
                #expect(try await test.app.repositories.users.find(id: admin.id)?.failedFactorAttempts == 0)
                let proven = try await browser.post("/recover/verify", ["type": "pattern", "pattern": "1-5-9-6"])
                #expect(try await browser.follow(proven).body.contains("Unlock my account"))
                #expect(try await browser.post("/recover/finish", [:]).location == "/login?notice=unlocked")
            }
        }
    }
}
