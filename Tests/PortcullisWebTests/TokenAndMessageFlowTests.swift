import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisDelivery
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("Tokens, SMS and email through HTTP, on SQLite and PostgreSQL")
struct TokenAndMessageFlowTests {
    static let twilioToken = "test-auth-token"

    /// The newest development-outbox message to `to`, and the 6-digit code in it.
    static func code(in app: Portcullis, to: String) throws -> String {
        let message = try #require(app.outbox?.messages().first { $0.to == to })
        return try #require(firstMatch("([0-9]{6})", in: message.body))
    }

    @Test("SMS: enroll a phone, sign in with a texted code, resend cooldown, inbound confirmation", arguments: TestDatabase.engines)
    func sms(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.webhooks.twilioAuthToken = Self.twilioToken }
            let user = try await test.createUser("sam", password: "sam's long password")
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            var settings = organization.policy
            settings.inboundSMSEnabled = true
            settings.inboundSMSNumber = "+15005550000"
            try await test.app.repositories.organizations.updatePolicy(id: organization.id, settings)
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "sam", "sam's long password")
                let invalid = try await browser.submit("/enroll/sms", ["country": "US", "number": "12", "label": "Work phone"])
                #expect(invalid.body.contains("id=\"error\"") && invalid.body.contains("value=\"Work phone\""), "the error, and what was typed")
                let sent = try await browser.submit("/enroll/sms", ["country": "US", "number": "(415) 555-0142", "label": "Work phone"])
                #expect(sent.status == .ok && sent.body.contains("id=\"code\""))
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: sent.body))
                let resend = try await browser.submit("/enroll/sms/resend", ["factor_id": factorID])
                #expect(resend.body.contains("Wait"), "cooldown")
                let code = try Self.code(in: test.app, to: "+14155550142")
                let confirmed = try await browser.submit("/enroll/sms/confirm", ["factor_id": factorID, "code": code])
                #expect(allMatches("<li class=\"backup-code\">", in: confirmed.body).count == 10)
                _ = try await browser.post("/logout", [:])

                // Sign-in: showing the challenge sends nothing; "Send code" does, and says so on the page after it.
                test.clock.advance(by: 60)
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "sam", "password": "sam's long password"]).location == "/login/challenge")
                let sentBefore = test.app.outbox?.messages().count
                let first = try await browser.get("/login/challenge")
                #expect(first.body.contains("id=\"send-code\"") && first.body.contains("Text message"))
                #expect(test.app.outbox?.messages().count == sentBefore, "GET sends nothing")
                let smsFactor = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: first.body))
                let challenge = try await browser.submit("/login/challenge/send", ["factor_id": smsFactor])
                #expect(challenge.body.contains("id=\"notice\""))
                let signInCode = try Self.code(in: test.app, to: "+14155550142")
                #expect(try await browser.post("/login/challenge", ["factor_id": smsFactor, "code": signInCode]).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])

                // Inbound: the page shows a code to text; Twilio's signed webhook confirms it.
                test.clock.advance(by: 60)
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "sam", "password": "sam's long password"])
                _ = try await browser.get("/login/challenge")
                let inboundPage = try await browser.submit("/login/challenge/send", ["factor_id": smsFactor])
                let inboundCode = try #require(firstMatch("id=\"inbound-code\">([0-9]+)<", in: inboundPage.body))
                #expect(inboundPage.body.contains("+15005550000"))
                #expect(try await browser.get("/login/challenge/status?factor=\(smsFactor)").body == "{\"confirmed\":false}")
                let fields = ["From": "+14155550142", "To": "+15005550000", "Body": inboundCode, "MessageSid": "SM1", "AccountSid": "AC1"]
                let url = "http://localhost:8080/webhooks/twilio/sms"
                let forged = try await Self.twilioPost(browser, fields: fields, signature: "bm9wZQ==")
                #expect(forged.status == .forbidden)
                let spoofed = try await Self.twilioPost(browser, fields: fields.merging(["From": "+19999999999"]) { $1 },
                                                        signature: Self.sign(url: url, fields: fields.merging(["From": "+19999999999"]) { $1 }))
                #expect(spoofed.status == .ok)
                #expect(try await browser.get("/login/challenge/status?factor=\(smsFactor)").body == "{\"confirmed\":false}", "wrong phone")
                let real = try await Self.twilioPost(browser, fields: fields, signature: Self.sign(url: url, fields: fields))
                #expect(real.status == .ok && real.body.contains("<Response>"))
                #expect(try await browser.get("/login/challenge/status?factor=\(smsFactor)").body == "{\"confirmed\":true}")
                #expect(try await browser.post("/login/challenge", ["factor_id": smsFactor, "inbound": "1"]).location == "/portal")
                _ = user
            }
        }
    }

    static func sign(url: String, fields: [String: String]) -> String {
        let data = url + fields.keys.sorted().map { $0 + fields[$0]! }.joined()
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(data.utf8), using: SymmetricKey(data: Data(twilioToken.utf8)))
        return Data(mac).base64EncodedString()
    }

    static func twilioPost(_ browser: Browser, fields: [String: String], signature: String) async throws -> Browser.Page {
        let body = fields.map { "\(Browser.escape($0.key))=\(Browser.escape($0.value))" }.joined(separator: "&")
        return try await browser.send("/webhooks/twilio/sms", method: .post, body: body,
                                      headers: [.contentType: "application/x-www-form-urlencoded", .init("X-Twilio-Signature")!: signature])
    }

    @Test("A provider that is down: the user is told, keeps the sign-in, and uses another method", arguments: TestDatabase.engines)
    func providerDown(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            // Twilio pointed at a port where nothing listens.
            let test = try await TestApp.make(database: db) {
                $0.sms = .twilio(accountSID: "AC123", authToken: "secret", sender: .from("+15005550006"), baseURL: "http://127.0.0.1:9")
                $0.webhooks.twilioAuthToken = "secret"
            }
            let user = try await test.createUser("pat", password: "pat's long password")
            // Pat has an SMS factor (the default) and backup codes.
            let factor = try await SMSFactor().beginEnrollment(userID: user.id, destination: "+14155550100", label: "Phone", context: test.app.factorContext)
            try await test.app.repositories.factors.confirm(id: factor.id, userID: user.id, at: test.clock.now)
            try await test.app.repositories.factors.setDefault(id: factor.id, userID: user.id)
            let codes = try #require(try await test.app.factors.regenerateBackupCodes(userID: user.id, ip: "x"))
            try await test.run { browser in
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "pat", "password": "pat's long password"]).location == "/login/challenge")
                let shown = try await browser.get("/login/challenge")
                let smsID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: shown.body))
                let challenge = try await browser.submit("/login/challenge/send", ["factor_id": smsID])
                #expect(challenge.body.contains("could not be sent") && challenge.body.contains("id=\"other-methods\""))
                let methods = try await browser.get("/login/methods")
                let codesFactor = try #require(firstMatch("data-method=\"backup_codes\" data-factor-id=\"([^\"]+)\"", in: methods.body))
                #expect(try await browser.post("/login/challenge", ["factor_id": codesFactor, "code": codes[0]]).location == "/portal")
            }
            #expect(try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 50).contains { $0.type == .codeSendFailed })
        }
    }

    @Test("Email: blocked domains refused; enroll and sign in with a mailed code", arguments: TestDatabase.engines)
    func email(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("eve", password: "eve's long password")
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            var settings = organization.policy
            settings.blockedEmailDomains = ["firm.example"]
            try await test.app.repositories.organizations.updatePolicy(id: organization.id, settings)
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "eve", "eve's long password")
                let blocked = try await browser.submit("/enroll/email", ["email": "eve@mail.firm.example"])
                #expect(blocked.body.contains("id=\"error\"") && blocked.body.contains("firm.example"))
                let sent = try await browser.submit("/enroll/email", ["email": "Eve@Home.example"])
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: sent.body))
                let message = try #require(test.app.outbox?.messages().first)
                #expect(message.kind == .email && message.to == "eve@home.example")
                let code = try Self.code(in: test.app, to: "eve@home.example")
                #expect(try await browser.submit("/enroll/email/confirm", ["factor_id": factorID, "code": code]).status == .ok)
                _ = try await browser.post("/logout", [:])
                test.clock.advance(by: 60)
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "eve", "password": "eve's long password"])
                _ = try await browser.get("/login/challenge")
                let challenge = try await browser.submit("/login/challenge/send", ["factor_id": factorID])
                #expect(challenge.body.contains("Email"))
                // Before the second factor the address is masked, like a phone number.
                #expect(challenge.body.contains("e•••@home.example") && !challenge.body.contains("eve@home.example"))
                let methods = try await browser.get("/login/methods")
                #expect(!methods.body.contains("eve@home.example"))
                let signInCode = try Self.code(in: test.app, to: "eve@home.example")
                #expect(try await browser.post("/login/challenge", ["factor_id": factorID, "code": signInCode]).location == "/portal")
                let outbox = try await browser.get("/dev/outbox")
                #expect(outbox.status == .ok && outbox.body.contains("eve@home.example"))
            }
        }
    }

    @Test("Admin token pages: only admins; import, assign, sign in with the token; lend", arguments: TestDatabase.engines)
    func adminTokens(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            let (_, bossSecret) = try await AdminSignIn.makeAdmin(test)
            _ = try await test.createUser("tom", password: "tom's long password")
            let seed = Array("12345678901234567890".utf8)
            let hex = seed.map { String(format: "%02x", $0) }.joined()
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "tom", "tom's long password")
                #expect(try await browser.get("/admin/tokens").status == .forbidden)
                _ = try await browser.post("/logout", [:])

                try await AdminSignIn.signIn(browser, test, secret: bossSecret)
                let bad = try await browser.post("/admin/tokens/import", ["format": "csv", "seed_file": "T1,nothex,6,SHA1,0\nT2,\(hex),7,SHA1,0"])
                #expect(bad.status == .unprocessableContent && bad.body.contains("id=\"import-problems\"") && bad.body.contains("line 1") && bad.body.contains("line 2"))
                let imported = try await browser.post("/admin/tokens/import", ["format": "csv", "seed_file": "serial,seed,digits,algorithm,counter\nT1,\(hex),6,SHA1,0\nT2,\(hex),6,SHA1,0"])
                #expect(imported.location == "/admin/tokens?notice=2")
                let list = try await browser.get("/admin/tokens")
                #expect(list.body.contains("data-serial=\"T1\" data-state=\"unassigned\""))
                let t1 = try #require(firstMatch("href=\"/admin/tokens/([^\"]+)\">T1<", in: list.body))
                let t2 = try #require(firstMatch("href=\"/admin/tokens/([^\"]+)\">T2<", in: list.body))
                #expect(try await browser.post("/admin/tokens/\(t1)/assign", ["username": "nobody"]).status == .unprocessableContent)
                #expect(try await browser.post("/admin/tokens/\(t1)/assign", ["username": "tom"]).location == "/admin/tokens/\(t1)?notice=assigned")
                let page = try await browser.get("/admin/tokens/\(t1)")
                #expect(page.body.contains("id=\"token-state\">assigned") && page.body.contains("id=\"holder\">tom"))
                #expect(page.body.contains("Counter: <span id=\"counter\">0</span>"))
                #expect(try await browser.post("/admin/tokens/\(t2)/lend", ["username": "tom"]).location == "/admin/tokens/\(t2)?notice=lent")
                let lent = try await browser.get("/admin/tokens/\(t2)")
                #expect(lent.body.contains("id=\"due\""))
                _ = try await browser.post("/logout", [:])

                // Tom signs in with his token (it became his default factor).
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "tom", "password": "tom's long password"])
                let challenge = try await browser.get("/login/challenge")
                #expect(challenge.body.contains("Press the button on your token (T1)"))
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
                #expect(try await browser.post("/login/challenge", ["factor_id": factorID, "code": "755224"]).location == "/portal")
                // Resync from settings after 50 unused presses.
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("data-type=\"hotp\"") && settings.body.contains("resync-code1"))
                let at = { (n: UInt64) in OneTimePassword.hotp(secret: seed, counter: n) }
                #expect(try await browser.post("/settings/factors/\(factorID)/resync", ["code1": at(51), "code2": at(52)]).location == "/settings?notice=resynced")
                #expect(try await browser.post("/settings/factors/\(factorID)/remove", [:]).location == "/settings?notice=remove_failed")
            }
        }
    }
}
