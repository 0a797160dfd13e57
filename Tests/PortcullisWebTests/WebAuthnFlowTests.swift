import Foundation
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

@Suite("WebAuthn ceremonies over HTTP with a software authenticator, on SQLite and PostgreSQL")
struct WebAuthnFlowTests {
    static let password = "a long enough password"

    /// Signs in with the password and goes past the enrollment invitation when it shows; loads the page it lands on.
    static func signIn(_ browser: Browser, _ username: String) async throws -> String? {
        _ = try await browser.get("/login")
        var location = try await browser.post("/login", ["username": username, "password": password]).location
        if location == "/login/enroll" {
            _ = try await browser.get("/login/enroll")
            location = try await browser.post("/login/enroll/skip", [:]).location
        }
        if let location { _ = try await browser.get(location) }
        return location
    }

    /// Registers `device` from a signed-in (or enrolling) session and returns the page the browser lands on.
    static func register(_ browser: Browser, _ device: SoftAuthenticator, label: String, flags: [String] = []) async throws -> Browser.Page {
        let options = try await browser.post("/webauthn/register/options", [:])
        #expect(options.status == .ok)
        let (challengeID, credential) = try device.create(options.body, flags)
        return try await browser.post("/webauthn/register/verify", ["challenge_id": challengeID, "credential": credential, "label": label])
    }

    /// Answers the challenge page for `factorID` with `device`; returns the response.
    static func useKey(_ browser: Browser, _ device: SoftAuthenticator, factorID: String, flags: [String] = []) async throws -> Browser.Page {
        let options = try await browser.post("/webauthn/authenticate/options", ["factor_id": factorID])
        let (challengeID, assertion) = try device.get(options.body, flags)
        return try await browser.post("/login/challenge", ["factor_id": factorID, "challenge_id": challengeID, "assertion": assertion])
    }

    static func credential(_ test: TestApp, userID: String, label: String) async throws -> (Factor, WebAuthnCredential) {
        let factor = try #require(try await test.app.signIn.confirmedFactors(userID: userID).first { $0.type == .webauthn && $0.label == label })
        return (factor, try #require(try await test.app.repositories.webAuthn.find(factorID: factor.id)))
    }

    @Test("Register keys (ES256, EdDSA, RS256) in settings, excluded on the next registration, listed, renamed; sign in with one", arguments: TestDatabase.engines)
    func registerAndUse(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("kim", password: Self.password)
            let yubikey = SoftAuthenticator()
            let laptop = SoftAuthenticator(alg: "EdDSA")
            let windows = SoftAuthenticator(alg: "RS256")
            try await test.run { browser in
                #expect(try await Self.signIn(browser, "kim") == "/portal")
                let settings = try await browser.get("/settings")
                #expect(settings.body.contains("id=\"add-webauthn\" class=\"button secondary\" href=\"/enroll/webauthn\""))
                let enroll = try await browser.get("/enroll/webauthn")
                #expect(enroll.status == .ok && enroll.body.contains("id=\"register-key\"") && enroll.body.contains("/static/webauthn.js"))

                let options = try jsonObject(try await browser.post("/webauthn/register/options", [:]))
                let publicKey = try #require(options["publicKey"] as? [String: Any])
                let challenge = try #require(Base64URL.decode(publicKey["challenge"] as? String ?? ""))
                #expect(challenge.count >= 16, "at least 128 bits")
                #expect((publicKey["rp"] as? [String: Any])?["id"] as? String == "localhost", "RP ID from PORTCULLIS_BASE_URL")
                #expect((publicKey["excludeCredentials"] as? [Any])?.isEmpty == true)
                #expect((publicKey["authenticatorSelection"] as? [String: Any])?["userVerification"] as? String == "preferred")
                #expect((publicKey["pubKeyCredParams"] as? [[String: Any]])?.compactMap { $0["alg"] as? Int } == [-7, -257, -8])
                let userHandle = try #require((publicKey["user"] as? [String: Any])?["id"] as? String)
                #expect(userHandle != user.id, "the user handle is random, not the account ID")

                // The first key is the first factor: backup codes come with it.
                let first = try await Self.register(browser, yubikey, label: "YubiKey")
                #expect(first.location == "/backup-codes", "shown on the next page (Post/Redirect/Get)")
                #expect(allMatches("<li class=\"backup-code\">", in: try await browser.follow(first).body).count == 10)
                #expect(try await browser.get("/backup-codes").location == "/settings", "shown once")
                let second = try jsonObject(try await browser.post("/webauthn/register/options", [:]))
                let excluded = ((second["publicKey"] as? [String: Any])?["excludeCredentials"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                let (_, stored) = try await Self.credential(test, userID: user.id, label: "YubiKey")
                #expect(excluded == [stored.id])
                #expect(((second["publicKey"] as? [String: Any])?["user"] as? [String: Any])?["id"] as? String == userHandle, "one handle per user")
                #expect(try await Self.register(browser, laptop, label: "Laptop fingerprint").location == "/settings?notice=enrolled")
                #expect(try await Self.register(browser, windows, label: "Windows Hello").location == "/settings?notice=enrolled")

                let credentials = try await test.app.repositories.webAuthn.list(userID: user.id)
                #expect(credentials.map(\.algorithm) == [-7, -8, -257])
                #expect(credentials.allSatisfy { $0.signCount == 0 && $0.aaguid == [UInt8](repeating: 0, count: 16) && $0.transports == ["usb"] })
                let listed = try await browser.get("/settings")
                #expect(allMatches("data-type=\"webauthn\"", in: listed.body).count == 3)
                #expect(listed.body.contains("Laptop fingerprint") && listed.body.contains("Security key or fingerprint"))
                let (laptopFactor, _) = try await Self.credential(test, userID: user.id, label: "Laptop fingerprint")
                #expect(try await browser.post("/settings/factors/\(laptopFactor.id)/rename", ["label": "Work laptop"]).location == "/settings?notice=renamed")
                #expect(try await browser.get("/settings").body.contains("Work laptop"))
                let audit = try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 50)
                #expect(audit.filter { $0.type == .factorEnrolled && $0.detail["factor"] == "webauthn" }.count == 3)

                _ = try await browser.post("/logout", [:])
                #expect(try await Self.signIn(browser, "kim") == "/login/challenge")
                let page = try await browser.get("/login/challenge")
                #expect(page.body.contains("id=\"use-key\"") && page.body.contains("YubiKey"), "the first key is the default")
                let methods = try await browser.get("/login/methods")
                #expect(allMatches("data-method=\"webauthn\"", in: methods.body).count == 3, "each key is a method of its own")

                let (yubiFactor, _) = try await Self.credential(test, userID: user.id, label: "YubiKey")
                let request = try jsonObject(try await browser.post("/webauthn/authenticate/options", ["factor_id": yubiFactor.id]))
                let allowed = ((request["publicKey"] as? [String: Any])?["allowCredentials"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                #expect(allowed == [stored.id])
                #expect((request["publicKey"] as? [String: Any])?["rpId"] as? String == "localhost")
                // Another key than the one this factor names is refused.
                #expect(try await Self.useKey(browser, laptop, factorID: yubiFactor.id, flags: ["--any-credential"]).location?.hasPrefix("/login/challenge?") == true)
                #expect(try await Self.useKey(browser, windows, factorID: laptopFactor.id, flags: ["--any-credential"]).location?.hasPrefix("/login/challenge?") == true)
                #expect(try await Self.useKey(browser, yubikey, factorID: yubiFactor.id).location == "/portal")
                let session = try #require(try await test.app.sessions.validate(token: browser.cookies["portcullis_session"] ?? ""))
                #expect(session.amr == ["pwd", "hwk", "mfa"])
                let (used, usedCredential) = try await Self.credential(test, userID: user.id, label: "YubiKey")
                #expect(used.lastUsedAt != nil && usedCredential.signCount == 1)
                #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == 0, "a success clears the count")

                // RS256 and EdDSA assertions verify too.
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await Self.signIn(browser, "kim")
                let (windowsFactor, _) = try await Self.credential(test, userID: user.id, label: "Windows Hello")
                #expect(try await Self.useKey(browser, windows, factorID: windowsFactor.id).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await Self.signIn(browser, "kim")
                #expect(try await Self.useKey(browser, laptop, factorID: laptopFactor.id).location == "/portal")
            }
        }
    }

    @Test("A key as the first factor while sign-in requires one; a user with factors cannot add a key before passing them", arguments: TestDatabase.engines)
    func enrollDuringSignIn(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("max", password: Self.password, mfaRequired: true)
            let key = SoftAuthenticator()
            try await test.run { browser in
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "max", "password": Self.password]).location == "/login/enroll")
                #expect(try await browser.get("/login/enroll").body.contains("id=\"enroll-webauthn\""))
                #expect(try await browser.get("/enroll/webauthn").body.contains("href=\"/login/enroll\""), "cancel goes back to the choice")
                let done = try await browser.follow(try await Self.register(browser, key, label: "Fingerprint"))
                #expect(done.status == .ok && allMatches("<li class=\"backup-code\">", in: done.body).count == 10)
                let session = try #require(try await test.app.sessions.validate(token: browser.cookies["portcullis_session"] ?? ""))
                #expect(session.stage == .signedIn && session.amr == ["pwd", "hwk", "mfa"], "the new key proved itself")

                // Signed out and back in: the key is owed now, so registering another one first is refused.
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "max", "password": Self.password]).location == "/login/challenge")
                _ = try await browser.get("/login/challenge")
                #expect(try await browser.post("/webauthn/register/options", [:]).status == .unauthorized)
                #expect(try await browser.get("/enroll/webauthn").location == "/login/challenge")
            }
        }
    }

    @Test("Tampered answers are refused and counted; a counter going back is audited; a challenge works once, in its own session", arguments: TestDatabase.engines)
    func tampered(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.policy.lockoutThreshold = 100 }
            let user = try await test.createUser("lee", password: Self.password)
            let key = SoftAuthenticator()
            try await test.run { browser in
                _ = try await Self.signIn(browser, "lee")
                _ = try await Self.register(browser, key, label: "Key")
                // A registration answer with a wrong origin, or for another RP, or without user presence, is refused.
                for flags in [["--rp-id", "evil.example"], ["--no-up"]] {
                    let refused = try await Self.register(browser, SoftAuthenticator(), label: "Bad", flags: flags)
                    #expect(refused.location == "/enroll/webauthn", "\(flags)")
                    #expect(try await browser.follow(refused).body.contains("id=\"error\""), "\(flags)")
                }
                let options = try await browser.post("/webauthn/register/options", [:])
                let (challengeID, credential) = try SoftAuthenticator().create(options.body)
                let fields = ["challenge_id": challengeID, "credential": credential, "label": "Twice"]
                #expect(try await browser.post("/webauthn/register/verify", fields).location == "/settings?notice=enrolled")
                let again = try await browser.submit("/webauthn/register/verify", fields)
                #expect(again.body.contains("expired or was already used"), "registration challenge reused")
                _ = try await browser.post("/logout", [:])

                _ = try await Self.signIn(browser, "lee")
                let (factor, _) = try await Self.credential(test, userID: user.id, label: "Key")
                let faults: [(flags: [String], error: String)] = [
                    (["--origin", "https://evil.example"], "origin"),
                    (["--challenge", Base64URL.encode([UInt8](repeating: 7, count: 32))], "challenge"),
                    (["--rp-id", "evil.example"], "relying party"),
                    (["--bad-signature"], "signature"),
                    (["--no-up"], "present"),
                ]
                var failures = 0
                for fault in faults {
                    test.clock.advance(by: 1)  // audit events in order
                    let page = try await Self.useKey(browser, key, factorID: factor.id, flags: fault.flags)
                    failures += 1
                    #expect(page.location?.hasPrefix("/login/challenge?") == true, "\(fault.flags)")
                    #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == failures, "\(fault.flags) counts")
                    let last = try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 1).first
                    #expect(last?.type == .factorFailed && last?.reason?.contains(fault.error) == true, "\(fault.flags): \(last?.reason ?? "-")")
                }
                // A good answer with a counter of 5, then one whose counter went back to 3.
                #expect(try await Self.useKey(browser, key, factorID: factor.id, flags: ["--sign-count", "5"]).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await Self.signIn(browser, "lee")
                test.clock.advance(by: 1)
                #expect(try await Self.useKey(browser, key, factorID: factor.id, flags: ["--sign-count", "3"]).location?.hasPrefix("/login/challenge?") == true)
                let regression = try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 1).first
                #expect(regression?.type == .factorFailed && regression?.reason == "sign_count_regression")
                #expect(try await Self.credential(test, userID: user.id, label: "Key").1.signCount == 5, "the stored count stays")

                // A challenge answered once cannot be answered again, here or in another session.
                let request = try await browser.post("/webauthn/authenticate/options", ["factor_id": factor.id])
                let (id, assertion) = try key.get(request.body)
                let answer = ["factor_id": factor.id, "challenge_id": id, "assertion": assertion]
                let other = Browser(browser.client)
                _ = try await Self.signIn(other, "lee")
                let stolen = try await other.submit("/login/challenge", answer)
                #expect(stolen.body.contains("expired"), "bound to the session it was issued to")
                #expect(try await browser.post("/login/challenge", answer).location == "/portal")
                _ = try await browser.get("/portal")
                _ = try await browser.post("/logout", [:])
                _ = try await Self.signIn(browser, "lee")
                let before = try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts
                let replay = try await browser.submit("/login/challenge", answer)
                #expect(replay.body.contains("expired"), "used once")
                #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == before)
                // An expired challenge is refused too.
                let late = try await browser.post("/webauthn/authenticate/options", ["factor_id": factor.id])
                let (lateID, lateAssertion) = try key.get(late.body)
                test.clock.advance(by: WebAuthnService.challengeLifetime + 1)
                let expired = try await browser.submit("/login/challenge", ["factor_id": factor.id, "challenge_id": lateID, "assertion": lateAssertion])
                #expect(expired.body.contains("expired"))
            }
        }
    }

    @Test("User verification per policy: preferred by default, required when the policy says so", arguments: TestDatabase.engines)
    func userVerification(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.policy.webAuthnRequireUserVerification = true }
            let user = try await test.createUser("uma", password: Self.password)
            let key = SoftAuthenticator()
            try await test.run { browser in
                _ = try await Self.signIn(browser, "uma")
                let options = try jsonObject(try await browser.post("/webauthn/register/options", [:]))
                #expect(((options["publicKey"] as? [String: Any])?["authenticatorSelection"] as? [String: Any])?["userVerification"] as? String == "required")
                let refused = try await browser.follow(try await Self.register(browser, SoftAuthenticator(), label: "No UV"))
                #expect(refused.body.contains("not verified"))
                #expect(try await Self.register(browser, key, label: "Fingerprint", flags: ["--uv"]).location == "/backup-codes")
                _ = try await browser.post("/logout", [:])
                _ = try await Self.signIn(browser, "uma")
                let (factor, _) = try await Self.credential(test, userID: user.id, label: "Fingerprint")
                let request = try jsonObject(try await browser.post("/webauthn/authenticate/options", ["factor_id": factor.id]))
                #expect((request["publicKey"] as? [String: Any])?["userVerification"] as? String == "required")
                #expect(try await Self.useKey(browser, key, factorID: factor.id).location?.hasPrefix("/login/challenge?") == true)
                #expect(try await Self.useKey(browser, key, factorID: factor.id, flags: ["--uv"]).location == "/portal")
            }
        }
    }

    @Test("Passkey sign-in: discoverable credential with user verification, no password; off per organization; removal", arguments: TestDatabase.engines)
    func passkeys(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let user = try await test.createUser("pat", password: Self.password)
            let phone = SoftAuthenticator()
            try await test.run { browser in
                _ = try await Self.signIn(browser, "pat")
                _ = try await Self.register(browser, phone, label: "Phone passkey", flags: ["--uv"])
                _ = try await browser.post("/logout", [:])

                let login = try await browser.get("/login")
                #expect(login.body.contains("id=\"passkey-sign-in\"") && login.body.contains("name=\"org\" value=\"default\""))
                let options = try jsonObject(try await browser.post("/webauthn/passkey/options", ["org": "default"]))
                let publicKey = try #require(options["publicKey"] as? [String: Any])
                #expect((publicKey["allowCredentials"] as? [Any])?.isEmpty == true, "discoverable: the authenticator picks the user")
                #expect(publicKey["userVerification"] as? String == "required")

                // Without user verification: refused, and counted against the credential's owner.
                let noUV = try await Self.passkey(browser, phone, [])
                #expect(noUV.location == "/login?notice=passkey_failed")
                #expect(try await test.app.repositories.users.find(id: user.id)?.failedFactorAttempts == 1)
                #expect(try await browser.get("/login?notice=passkey_failed").body.contains("Sign-in with a passkey did not work"))

                let signedIn = try await Self.passkey(browser, phone, ["--uv"])
                #expect(signedIn.location == "/portal")
                let session = try #require(try await test.app.sessions.validate(token: browser.cookies["portcullis_session"] ?? ""))
                #expect(session.stage == .signedIn && session.amr.contains("hwk") && !session.amr.contains("pwd"))
                #expect(try await browser.get("/portal").status == .ok)
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 100)
                #expect(events.contains { $0.type == .signInSucceeded })

                // A passkey challenge is bound to the browser that asked for it.
                _ = try await browser.post("/logout", [:])
                _ = try await browser.get("/login")
                let stranger = Browser(browser.client)
                _ = try await stranger.get("/login")
                let issued = try await browser.post("/webauthn/passkey/options", ["org": "default"])
                let (id, assertion) = try phone.get(issued.body, ["--uv"])
                #expect(try await stranger.post("/login/passkey", ["org": "default", "challenge_id": id, "assertion": assertion]).location
                        == "/login?notice=passkey_failed")

                // An organization that turns passkeys off: no button, no options, no sign-in.
                var organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
                organization.policy.passkeysAllowed = false
                try await test.app.repositories.organizations.updatePolicy(id: organization.id, organization.policy)
                #expect(try await browser.get("/login").body.contains("passkey-sign-in") == false)
                #expect(try await browser.post("/webauthn/passkey/options", ["org": "default"]).status == .notFound)
                #expect(try await browser.post("/login/passkey", ["org": "default", "challenge_id": id, "assertion": assertion]).location
                        == "/login?notice=passkey_failed")
                organization.policy.passkeysAllowed = true
                try await test.app.repositories.organizations.updatePolicy(id: organization.id, organization.policy)

                // Removed in settings: the credential is gone and can no longer sign in.
                #expect(try await Self.passkey(browser, phone, ["--uv"]).location == "/portal")
                _ = try await browser.get("/settings")
                let (factor, credential) = try await Self.credential(test, userID: user.id, label: "Phone passkey")
                // The last possession factor: removing it asks for confirmation first (the backups go with it).
                #expect(try await browser.post("/settings/factors/\(factor.id)/remove", [:]).location == "/settings?notice=remove_confirm_\(factor.id)")
                #expect(try await browser.get("/settings?notice=remove_confirm_\(factor.id)").body.contains("id=\"confirm-removal\""))
                #expect(try await browser.post("/settings/factors/\(factor.id)/remove", ["confirm": "1"]).location == "/settings?notice=removed")
                #expect(try await test.app.repositories.webAuthn.find(id: credential.id) == nil)
                _ = try await browser.post("/logout", [:])
                #expect(try await Self.passkey(browser, phone, ["--uv"]).location == "/login?notice=passkey_failed")
            }
        }
    }

    @Test("Passkey sign-in is refused for another organization's sign-in page and when the server turns it off", arguments: TestDatabase.engines)
    func passkeyScope(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("ola", password: Self.password)
            _ = try await test.app.administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
            let phone = SoftAuthenticator()
            try await test.run { browser in
                _ = try await Self.signIn(browser, "ola")
                _ = try await Self.register(browser, phone, label: "Phone", flags: ["--uv"])
                _ = try await browser.post("/logout", [:])
                #expect(try await Self.passkey(browser, phone, ["--uv"], org: "acme").location == "/o/acme/login?notice=passkey_failed")
            }
            let off = try await TestApp.make(database: db) { $0.policy.passkeySignIn = false }
            try await off.run { browser async throws in
                let login = try await browser.get("/login")
                #expect(!login.body.contains("passkey-sign-in"))
                let options = try await browser.post("/webauthn/passkey/options", ["org": "default"])
                #expect(options.status == .notFound)
            }
        }
    }

    static func passkey(_ browser: Browser, _ device: SoftAuthenticator, _ flags: [String], org: String = "default") async throws -> Browser.Page {
        _ = try await browser.get("/login")
        let options = try await browser.post("/webauthn/passkey/options", ["org": "default"])
        let (id, assertion) = try device.get(options.body, flags)
        return try await browser.post("/login/passkey", ["org": org, "challenge_id": id, "assertion": assertion])
    }
}
