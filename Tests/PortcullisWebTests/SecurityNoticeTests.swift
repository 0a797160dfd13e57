import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisDelivery
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

/// Security notifications (SPEC §5, issue 11 point 6): by email (SMS when the user has no address), from templates,
/// never with a secret or a link that signs in; a failed delivery does not break the action.
@Suite("Security notifications, on SQLite and PostgreSQL")
struct SecurityNoticeTests {
    /// Waits (briefly: they are sent in the background) for a message to `to`, newer than id `after`, whose subject
    /// (or text, for SMS) holds `words`.
    static func message(_ outbox: Outbox, to: String, after: Int, containing words: String) async throws -> OutboxMessage? {
        for _ in 0..<300 {
            if let found = outbox.messages().first(where: { $0.id > after && $0.to == to && (($0.subject ?? $0.body).contains(words)) }) {
                return found
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    static func newest(_ outbox: Outbox) -> Int { outbox.messages().map(\.id).max() ?? 0 }

    @Test("A factor added and removed, new backup codes and running low, password changed and reset, a lockout: each tells the user",
          arguments: TestDatabase.engines)
    func notices(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret) = try await AdminSignIn.makeAdmin(test)
            let scope = AdminScope(actor: .cli, organizationID: admin.organizationID)
            _ = try await test.app.users.update(admin, displayName: "Boss", email: "boss@home.example", phone: nil, scope: scope)
            let outbox = try #require(test.app.outbox)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                var seen = Self.newest(outbox)
                func expectNotice(_ words: String, _ comment: Comment) async throws {
                    let found = try await Self.message(outbox, to: "boss@home.example", after: seen, containing: words)
                    #expect(found != nil, comment)
                    if let body = found?.body {
                        #expect(!body.contains("http") && !body.contains(Base32.encode(secret)), "no link, no secret")
                    }
                    seen = Self.newest(outbox)
                }
                let (tablet, _, _) = try await SettingsTests.addApp(browser, clock: test.clock, label: "Tablet")
                try await expectNotice("a sign-in method was added", "factor added")
                #expect(try await browser.post("/settings/factors/\(tablet)/remove", [:]).location == "/settings?notice=removed")
                try await expectNotice("a sign-in method was removed", "factor removed")
                let regenerated = try await browser.submit("/settings/backup-codes", [:])
                let codes = allMatches("<li class=\"backup-code\"><code>([a-z0-9-]+)</code>", in: regenerated.body)
                try await expectNotice("new backup codes", "codes regenerated")
                #expect(codes.count == 10)
                let changed = try await browser.post("/settings/password", ["current": "boss's long password", "new": "lantern orbit maple kettle",
                                                                            "confirm": "lantern orbit maple kettle"])
                #expect(changed.location == "/settings?notice=password_changed")
                try await expectNotice("your password was changed", "password changed")
                let body = outbox.messages().last { $0.to == "boss@home.example" }?.body ?? ""
                #expect(!body.contains("lantern") && !body.contains("boss's long"), "never the password")

                // Eight backup codes used: two left, and the user is told.
                let codesFactor = try #require(try await test.app.signIn.confirmedFactors(userID: admin.id).first { $0.type == .backupCodes })
                for code in codes.prefix(8) {
                    _ = try await test.app.signIn.verifyFactor(userID: admin.id, factorID: codesFactor.id, response: .code(code), ip: "x", signsIn: false)
                }
                let low = try await Self.message(outbox, to: "boss@home.example", after: seen, containing: "running out")
                #expect(low?.body.contains("Only 2") == true)
                seen = Self.newest(outbox)

                _ = try await browser.post("/logout", [:])
                _ = try await browser.get("/login")
                for _ in 0..<5 { _ = try await browser.post("/login", ["username": "boss", "password": "not the password"]) }
                try await expectNotice("your account is locked", "lockout")
            }
        }
    }

    @Test("No email address: a text message to the phone; a provider that fails does not stop the action", arguments: TestDatabase.engines)
    func fallbackAndFailure(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            // Email through an SMTP server that is not there: every email fails.
            let test = try await TestApp.make(database: db) {
                $0.smtp = SMTPSettings(host: "127.0.0.1", port: 9, security: .none, from: "Portcullis <no-reply@example.org>")
            }
            let sam = try await test.createUser("sam", password: "sam's long password")
            let scope = AdminScope(actor: .cli, organizationID: sam.organizationID)
            _ = try await test.app.users.update(sam, displayName: "Sam", email: nil, phone: "+14155550100", scope: scope)
            let erin = try await test.createUser("erin", password: "erin's long password")
            _ = try await test.app.users.update(erin, displayName: "Erin", email: "erin@home.example", phone: nil, scope: scope)
            let outbox = try #require(test.app.outbox)
            let before = Self.newest(outbox)
            _ = try await test.app.users.setTemporaryPassword(sam, password: nil, scope: scope)
            let text = try await Self.message(outbox, to: "+14155550100", after: before, containing: "your password was changed")
            #expect(text != nil)
            // Erin's email cannot be delivered; the change itself went through.
            let temporary = try await test.app.users.setTemporaryPassword(erin, password: nil, scope: scope)
            let stored = try #require(try await test.app.repositories.users.find(id: erin.id))
            #expect(try await test.app.hasher.verify(temporary, against: stored.passwordHash) && stored.mustChangePassword)
            try await Task.sleep(for: .milliseconds(200))
            #expect(!outbox.messages().contains { $0.to == "erin@home.example" }, "the email went to the (failing) SMTP server, not the outbox")
        }
    }
}
