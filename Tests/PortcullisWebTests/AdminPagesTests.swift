import Foundation
import Hummingbird
import HummingbirdTesting
@testable import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import PortcullisTokenImport
@testable import PortcullisWeb
import Testing

/// Signing in as an administrator with a second factor, as the admin pages require.
enum AdminSignIn {
    /// Creates an admin (or operator) of `organization` with an authenticator app; returns it and the app's secret.
    static func makeAdmin(_ test: TestApp, username: String = "boss", organization slug: String = Organization.defaultSlug,
                          isOperator: Bool = false) async throws -> (User, [UInt8]) {
        let organization = try await test.app.administration.organization(slug: slug)
        let admin = try await test.app.administration.createUser(organization: organization, username: username, displayName: "Boss",
                                                                 password: "boss's long password", isAdmin: true, isOperator: isOperator, actor: .cli)
        let enrollment = try await TOTPFactor().beginEnrollment(userID: admin.id, label: "Phone", context: test.app.factorContext)
        _ = try await test.app.factors.confirm(userID: admin.id, factorID: enrollment.factor.id,
                                               response: FactorResponse.code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)),
                                               label: nil, ip: "x")
        return (admin, enrollment.secret)
    }

    /// Signs in with the password and a fresh code (the clock moves on a step, so the code is new).
    static func signIn(_ browser: Browser, _ test: TestApp, username: String = "boss", secret: [UInt8], slug: String = Organization.defaultSlug) async throws {
        test.clock.advance(by: 30)
        let login = slug == Organization.defaultSlug ? "/login" : "/o/\(slug)/login"
        _ = try await browser.get(login)
        #expect(try await browser.post(login, ["username": username, "password": "boss's long password"]).location == "/login/challenge")
        let challenge = try await browser.get("/login/challenge")
        let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
        let done = try await browser.post("/login/challenge", ["factor_id": factorID, "code": OneTimePassword.totp(secret: secret, at: test.clock.now)])
        #expect(done.location == "/portal")
        _ = try await browser.get("/portal")  // the new session's page, and its forms' token
    }
}

@Suite("Admin pages: users, groups and policy, behind a recent second factor")
struct AdminPagesTests {
    @Test("The story: create a user requiring two-factor, Pending, enrolled → Enabled; turn it off; a group's requirement; unlock; lost phone",
          arguments: TestDatabase.engines)
    func story(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                #expect(try await browser.get("/admin").location == "/admin/users")
                let form = try await browser.get("/admin/users/new")
                #expect(form.body.contains("id=\"mfa-no\" checked"), "Two-Factor Authentication: No by default")
                let created = try await browser.post("/admin/users", ["username": "Dana", "display_name": "Dana Scully", "email": "dana@example.org",
                                                                      "mfa": "yes", "password_mode": "generated"])
                let userPath = try #require(created.location)
                let userPage = try await browser.get(userPath)
                let password = try #require(firstMatch("id=\"temporary-password\">([^<]+)<", in: userPage.body))
                #expect(userPage.body.contains("Pending setup on next login"))
                #expect(try await browser.get(userPath).body.contains("id=\"temporary-password\">") == false, "the password is shown once")
                let list = try await browser.get("/admin/users?mfa=pending")
                #expect(list.body.contains("data-username=\"dana\"") && list.body.contains("Pending setup on next login"))
                let dana = try #require(try await test.app.directory.user(organizationID: try await test.app.administration.organization(slug: "default").id, username: "dana"))
                #expect(dana.mustChangePassword && dana.mfaRequired)
                #expect(try await test.app.flow.checks.verifyPassword(organization: try await test.app.administration.organization(slug: "default"),
                                                                      username: "dana", password: password, ip: "192.0.2.7").isSuccess)

                // Enrolled → Enabled; the admin turns the requirement off (with a confirmation first).
                let enrollment = try await TOTPFactor().beginEnrollment(userID: dana.id, label: "Phone", context: test.app.factorContext)
                _ = try await test.app.factors.confirm(userID: dana.id, factorID: enrollment.factor.id,
                    response: .code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)), label: nil, ip: "x")
                #expect(try await browser.get("/admin/users?mfa=enabled").body.contains("data-username=\"dana\""))
                let confirm = try await browser.get("\(userPath)?confirm=no-mfa")
                #expect(confirm.body.contains("id=\"confirm-no-mfa\""))
                let off = try await browser.post("\(userPath)/no-mfa", [:])
                #expect(try await browser.follow(off).body.contains("no longer required for Dana Scully"))

                // A group that requires two-factor: its member without factors is Pending, and the list says why.
                let erin = try await test.createUser("erin", password: "erin's long password")
                let group = try await browser.post("/admin/groups", ["name": "Accounting", "mfa": "1"])
                let groupPath = try #require(group.location)
                _ = try await browser.post("\(groupPath)/add-member", ["username": "erin"])
                let pending = try await browser.get("/admin/users?mfa=pending")
                #expect(pending.body.contains("data-username=\"erin\"") && pending.body.contains("required by group Accounting"))
                #expect(try await browser.get("/admin/users?group=\(groupPath.split(separator: "/").last!)").body.contains("data-username=\"erin\""))

                // Unlock a locked user; lost phone sends a required user back to Pending.
                try await test.app.users.lock(erin, scope: .cli)
                #expect(try await browser.get("/admin/users?locked=yes").body.contains("data-username=\"erin\""))
                _ = try await browser.post("/admin/users/\(erin.id)/unlock", [:])
                #expect(try await test.app.directory.user(id: erin.id)?.isLocked(at: test.clock.now) == false)
                _ = try await browser.post("\(userPath)/require-mfa", [:])
                let lost = try await browser.post("\(userPath)/remove-all-factors", [:])
                #expect(try await browser.follow(lost).body.contains("They will set up a new one at their next sign-in"))
                #expect(try await browser.get(userPath).body.contains("Pending setup on next login"))

                // Every action is audited with the acting admin.
                let boss = try #require(try await test.app.directory.user(organizationID: dana.organizationID, username: "boss"))
                let events = try await test.app.repositories.audit.list(organizationID: dana.organizationID, userID: nil, limit: 200)
                for type in [AuditEventType.userCreated, .mfaRequirementChanged, .groupCreated, .groupMemberAdded, .accountUnlocked, .factorRemoved] {
                    #expect(events.contains { $0.type == type && $0.actor == .admin(boss.id) }, "\(type)")
                }
            }
        }
    }

    @Test("Policy page: a type turned off leaves enrollment; bad values are refused with the setting named", arguments: TestDatabase.engines)
    func policy(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                let page = try await browser.get("/admin/policy")
                #expect(page.body.contains("id=\"allow-sms\" checked") && page.body.contains("id=\"lockoutThreshold-help\""))
                var fields = ["allow_totp": "1", "allow_email": "1", "allow_webauthn": "1", "allow_hotp": "1", "default_totp": "1",
                              "default_email": "1", "default_webauthn": "1", "default_hotp": "1", "passkeys": "1", "time_zone": "Europe/Berlin"]
                for (key, value) in OrganizationPolicy().numbers { fields[key] = String(value) }
                let saved = try await browser.post("/admin/policy", fields)
                #expect(saved.location == "/admin/policy")
                let organization = try await test.app.administration.organization(slug: "default")
                #expect(organization.policy.allows(.sms) == false && organization.policy.timeZone == "Europe/Berlin")
                #expect(organization.policy.backupOnlyFactorTypes.contains(.pattern))

                var bad = fields
                bad["lockoutThreshold"] = "0"
                let refused = try await browser.post("/admin/policy", bad)
                #expect(refused.status == .unprocessableContent && refused.body.contains("Failed attempts before lockout must be between 1 and 100"))
                #expect(try await browser.post("/admin/policy", fields.merging(["time_zone": "Mars/Base"]) { $1 }).status == .unprocessableContent)
                // A forged form: a huge number, a word, a missing field — refused, never a crash.
                for (key, value) in [("lockoutMinutes", "9223372036854775807"), ("totpPeriod", "thirty"), ("codeDigits", "")] {
                    let refused = try await browser.post("/admin/policy", fields.merging([key: value]) { $1 })
                    #expect(refused.status == .unprocessableContent, "\(key)=\(value)")
                }
                // A name with a NUL is refused (PostgreSQL could not store it).
                let nul = try await browser.post("/admin/groups", ["name": "Bad\u{0}Name"])
                #expect(try await browser.follow(nul).body.contains("A group name has 1 to 64 characters, without control characters"))

                // A user of this organization no longer sees SMS among the ways to add a method, and cannot start it.
                _ = try await test.createUser("tom", password: "tom's long password")
                _ = try await browser.post("/logout", [:])
                try await SettingsTests.signIn(browser, "tom", "tom's long password")
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("/enroll/sms") == false && settings.body.contains("/enroll/email"))
                #expect(try await browser.get("/enroll/sms").status == .unprocessableContent)
            }
        }
    }

    @Test("A user whose only kind of method was turned off signs in with it once more and is sent to add another", arguments: TestDatabase.engines)
    func replacement(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (tina, secret) = try await AdminSignIn.makeAdmin(test, username: "tina")
            let organization = try await test.app.administration.organization(slug: "default")
            var policy = organization.policy
            policy.allowedFactorTypes = [.webauthn, .sms, .email, .backupCodes]
            try await test.app.administration.setPolicy(organization, policy, actor: .cli)
            try await test.run { browser in
                test.clock.advance(by: 30)
                _ = try await browser.get("/login")
                _ = try await browser.post("/login", ["username": "tina", "password": "boss's long password"])
                let challenge = try await browser.get("/login/challenge")
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: challenge.body))
                let done = try await browser.post("/login/challenge", ["factor_id": factorID, "code": OneTimePassword.totp(secret: secret, at: test.clock.now)])
                #expect(done.location == "/settings?notice=replace_factor")
                let settings = try await browser.get("/settings?notice=replace_factor")
                #expect(settings.body.contains("no longer allows") && !settings.body.contains("/enroll/totp") && settings.body.contains("/enroll/sms"))
                #expect(tina.isAdmin)
            }
        }
    }

    @Test("Normal users get 403; a stale second factor asks for a step-up; another organization's users and groups are 404", arguments: TestDatabase.engines)
    func security(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let other = try await test.app.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            let stranger = try await test.app.administration.createUser(organization: other, username: "stranger", displayName: nil,
                                                                        password: "stranger's password", actor: .cli)
            let theirGroup = try await test.app.groups.create(organizationID: other.id, name: "Theirs", mfaRequired: false, scope: .cli)
            let (_, secret) = try await AdminSignIn.makeAdmin(test)
            let tom = try await test.createUser("tom", password: "tom's long password")
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "tom", "tom's long password")
                for path in ["/admin", "/admin/users", "/admin/users/new", "/admin/groups", "/admin/policy", "/admin/users/\(stranger.id)",
                             "/admin/groups/\(theirGroup.id)", "/admin/tokens", "/admin/audit", "/admin/audit/export.csv", "/admin/api-keys"] {
                    #expect(try await browser.get(path).status == .forbidden, "\(path)")
                }
                for path in ["/admin/policy", "/admin/users", "/admin/groups", "/admin/api-keys", "/admin/tokens/import", "/admin/organization",
                             "/admin/users/\(stranger.id)/disable"] {
                    #expect(try await browser.post(path, [:]).status == .forbidden, "POST \(path)")
                }
                _ = try await browser.post("/logout", [:])

                try await AdminSignIn.signIn(browser, test, secret: secret)
                #expect(try await browser.get("/admin/users/\(stranger.id)").status == .notFound)
                #expect(try await browser.post("/admin/users/\(stranger.id)/disable", [:]).status == .notFound)
                #expect(try await browser.get("/admin/groups/\(theirGroup.id)").status == .notFound)
                #expect(try await browser.post("/admin/groups/\(theirGroup.id)/delete", [:]).status == .notFound)
                let mine = try await browser.post("/admin/groups", ["name": "Mine"])
                let minePath = try #require(mine.location)
                #expect(try await browser.post("\(minePath)/remove-member", ["user_id": stranger.id]).status == .notFound)
                #expect(try await browser.post("\(minePath)/add-member", ["username": "stranger"]).location == minePath)
                #expect(try await test.app.groups.members(of: try await test.app.groups.group(id: String(minePath.split(separator: "/").last!), scope: .cli)).isEmpty)
                #expect(try await test.app.directory.user(id: stranger.id)?.disabled == false)
                // Ids of another organization in a form's body: their group for one of ours, their token.
                #expect(try await browser.post("/admin/users/\(tom.id)/add-group", ["group_id": theirGroup.id]).status == .notFound)
                #expect(try await test.app.groups.groups(of: tom).isEmpty)
                let seed = Array("12345678901234567890".utf8).map { String(format: "%02x", $0) }.joined()
                let tokens = try await test.app.inventory.importTokens(TokenImport.parseCSV("X-1,\(seed),6,SHA1,0"), organizationID: other.id,
                                                                       actor: .cli, source: "csv")
                let theirToken = try #require(tokens.first)
                #expect(try await browser.get("/admin/tokens/\(theirToken.id)").status == .notFound)
                #expect(try await browser.post("/admin/tokens/\(theirToken.id)/assign", ["username": "tom"]).status == .notFound)
                #expect(try await browser.get("/admin/tokens").body.contains("X-1") == false)
                // Without the CSRF token nothing changes.
                #expect(try await browser.post("/admin/groups", ["name": "Forged"], csrf: "forged").status == .forbidden)

                // Sixteen minutes later the admin must answer a second factor again.
                test.clock.advance(by: 16 * 60)
                let stale = try await browser.get("/admin/users")
                #expect(stale.location == "/settings/verify?next=/admin/users")
            }
        }
    }
}

@Suite("Admin pages: an operator administers every organization")
struct AdminOperatorTests {
    @Test("An operator switches organization; an organization admin cannot", arguments: TestDatabase.engines)
    func switching(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let other = try await test.app.administration.createOrganization(slug: "other", name: "Other Firm", actor: .cli)
            _ = try await test.app.administration.createUser(organization: other, username: "olga", displayName: nil,
                                                             password: "olga's long password", actor: .cli)
            let (_, secret) = try await AdminSignIn.makeAdmin(test, username: "root", isOperator: true)
            let (_, plainSecret) = try await AdminSignIn.makeAdmin(test, username: "boss")
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, username: "root", secret: secret)
                #expect(try await browser.get("/admin/users").body.contains("id=\"admin-org\""))
                #expect(try await browser.post("/admin/organization", ["org": "other"]).location == "/admin/users")
                let users = try await browser.get("/admin/users")
                #expect(users.body.contains("data-username=\"olga\"") && !users.body.contains("data-username=\"root\""))
                _ = try await browser.post("/logout", [:])

                try await AdminSignIn.signIn(browser, test, username: "boss", secret: plainSecret)
                #expect(try await browser.get("/admin/users").body.contains("id=\"admin-org\"") == false)
                #expect(try await browser.post("/admin/organization", ["org": "other"]).status == .notFound)
                #expect(try await browser.get("/admin/users").body.contains("data-username=\"olga\"") == false)
            }
        }
    }
}

@Suite("Admin pages: API keys")
struct AdminAPIKeysPageTests {
    @Test("A key is shown once, works, lists its last use and is revoked; another organization's key is 404", arguments: TestDatabase.engines)
    func keys(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let other = try await test.app.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            let (theirs, _) = try await test.app.apiKeys.create(organization: other, name: "theirs", actor: .cli)
            let (_, secret) = try await AdminSignIn.makeAdmin(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                let created = try await browser.post("/admin/api-keys", ["name": "VPN", "scope": "verification"])
                #expect(created.location == "/admin/api-keys")
                let page = try await browser.get("/admin/api-keys")
                let key = try #require(firstMatch("id=\"new-key\">(pck_[^<]+)<", in: page.body))
                #expect(page.body.contains("Verification API") && page.body.contains("Never"))
                #expect(try await browser.get("/admin/api-keys").body.contains(key) == false, "shown once")
                #expect(try await test.app.apiKeys.authenticate(key) != nil)
                #expect(!test.logs.text.contains(key), "no key in the log")

                // An operator-wide key needs an operator; an organization's admin key is `pca_`.
                #expect(try await browser.post("/admin/api-keys", ["name": "Everything", "scope": "operator"]).status == .forbidden)
                _ = try await browser.post("/admin/api-keys", ["name": "Scripts", "scope": "admin"])
                #expect(try await browser.get("/admin/api-keys").body.contains("id=\"new-key\">pca_"))

                let id = try #require(try await test.app.apiKeys.authenticate(key)?.id)
                #expect(try await browser.post("/admin/api-keys/\(theirs.id)/revoke", [:]).status == .notFound)
                #expect(try await test.app.apiKeys.list(organization: other).first?.revokedAt == nil)
                #expect(try await browser.post("/admin/api-keys/\(id)/revoke", [:]).location == "/admin/api-keys")
                #expect(try await test.app.apiKeys.authenticate(key) == nil)
            }
        }
    }
}

extension SignInService.PasswordOutcome {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
