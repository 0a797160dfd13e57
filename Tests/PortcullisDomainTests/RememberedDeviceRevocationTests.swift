import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import PortcullisTokenImport
import Testing

/// The remembered-device revocation matrix, on both engines: forgotten by the user (one, all), by an administrator
/// (only in their scope), by a password change (settings, an administrator's, a temporary one) and by a factor
/// removed (by the user, "lost phone", a hardware token taken back). After each, the cookie leads to the challenge.
@Suite("Remembered devices: forgotten by the user, an administrator, a password change or a removed factor — on SQLite and PostgreSQL")
struct RememberedDeviceRevocationTests {
    typealias T = RememberedDeviceTests

    /// A user with an authenticator app and two remembered browsers (the cookies of each).
    static func setUp(_ s: TestServices, _ username: String = "alice") async throws -> (Organization, User, Factor, [UInt8], [String]) {
        let (organization, user) = try await s.makeUser(username)
        let (factor, secret, _) = try await s.enrollTOTP(user)
        let (_, first) = try await T.remembered(s, organization, user, factor: factor, secret: secret)
        let (_, second) = try await T.remembered(s, organization, user, factor: factor, secret: secret,
                                                 userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Mobile/15E148 Safari/604.1")
        return (organization, user, factor, secret, [first, second])
    }

    /// Every cookie now leads to the challenge (and is cleared).
    static func expectChallenged(_ s: TestServices, _ organization: Organization, _ cookies: [String], username: String = "alice",
                                 _ comment: Comment? = nil) async throws {
        for cookie in cookies {
            let answer = try await T.signIn(s, organization, username, cookie: cookie)
            #expect(T.challenged(answer) && answer.device == .clear, comment)
        }
    }

    static func revocations(_ s: TestServices, _ user: User) async throws -> [AuditEvent] {
        try await T.events(s, user, .deviceRevoked)
    }

    @Test("The user forgets one device (its cookie cleared when it is this browser), then all; the settings list marks this device",
          arguments: TestDatabase.engines)
    func byUser(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, _, _, cookies) = try await Self.setUp(s)
            let devices = s.app.rememberedDevices
            let listed = try await devices.list(user: user, currentCookie: cookies[1])
            #expect(listed.map(\.device.name) == ["Safari on iPhone", "Chrome on Linux"], "newest first, named from the User-Agent")
            #expect(listed.map(\.isCurrent) == [true, false])
            #expect(try await devices.list(user: user, currentCookie: nil).allSatisfy { !$0.isCurrent })

            // Forgetting the other device from this browser leaves this browser's cookie alone.
            let chrome = listed[1].device
            let one = try await devices.forget(deviceID: chrome.id, user: user, currentCookie: cookies[1], ip: T.ip)
            #expect(one == RememberedDevices.Forgotten(count: 1, cookie: nil))
            try await Self.expectChallenged(s, organization, [cookies[0]])
            let event = try #require(try await Self.revocations(s, user).first)
            #expect(event.actor == .user(user.id) && event.reason == "forgotten" && event.detail["device_id"] == chrome.id && event.detail["count"] == "1")
            // Someone else's device id is not found.
            let (_, bob) = try await s.makeUser("bob")
            #expect(try await devices.forget(deviceID: listed[0].device.id, user: bob, currentCookie: nil, ip: T.ip).count == 0)
            #expect(try await devices.list(user: user, currentCookie: nil).count == 1)

            // "Forget all" from this browser: its cookie is cleared too.
            let all = try await devices.forget(deviceID: nil, user: user, currentCookie: cookies[1], ip: T.ip)
            #expect(all == RememberedDevices.Forgotten(count: 1, cookie: .clear))
            try await Self.expectChallenged(s, organization, [cookies[1]])
            #expect(try await Self.revocations(s, user).count == 2)
        }
    }

    @Test("An administrator forgets every device of a user in their scope, audited as the actor; another organization's admin cannot",
          arguments: TestDatabase.engines)
    func byAdministrator(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, _, _, cookies) = try await Self.setUp(s)
            let admin = try await s.administration.createUser(organization: organization, username: "ada", displayName: nil,
                                                              password: T.password, isAdmin: true, actor: .cli)
            let other = try await s.administration.createOrganization(slug: "globex", name: "Globex", actor: .cli)
            let outsider = try await s.administration.createUser(organization: other, username: "otto", displayName: nil,
                                                                 password: T.password, isAdmin: true, actor: .cli)
            await #expect(throws: UserAdministration.UserAdministrationError.notFound) {
                try await s.app.rememberedDevices.forgetAll(of: user, scope: .administrator(outsider))
            }
            await #expect(throws: UserAdministration.UserAdministrationError.notFound) {
                try await s.app.rememberedDevices.list(of: user, scope: .administrator(outsider))
            }
            #expect(try await s.app.rememberedDevices.list(of: user, scope: .administrator(admin)).count == 2)

            #expect(try await s.app.rememberedDevices.forgetAll(of: user, scope: .administrator(admin)) == 2)
            let event = try #require(try await Self.revocations(s, user).first)
            #expect(event.actor == .admin(admin.id) && event.detail["count"] == "2")
            try await Self.expectChallenged(s, organization, cookies)
            #expect(try await s.app.rememberedDevices.forgetAll(of: user, scope: .administrator(admin)) == 0)
            #expect(try await Self.revocations(s, user).count == 1, "nothing to forget is not audited")
        }
    }

    @Test("A password change in settings, an administrator's new password and a temporary password forget every device",
          arguments: TestDatabase.engines)
    func byPasswordChange(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor, secret, cookies) = try await Self.setUp(s)
            // In settings (with the current password).
            let (session, _) = try await T.remembered(s, organization, user, factor: factor, secret: secret)
            let fresh = "a completely different passphrase"
            guard case .changed = try await s.app.passwords.change(session: session, user: user, current: T.password, new: fresh, ip: T.ip) else {
                Issue.record("password not changed"); return
            }
            let event = try #require(try await Self.revocations(s, user).first)
            #expect(event.reason == "password_changed" && event.detail["count"] == "3" && event.actor == .user(user.id))
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).isEmpty)
            // Back to the old password, then an administrator's password and a temporary one.
            try await s.administration.setPassword(user: user, password: T.password, actor: .cli)
            _ = try await T.remembered(s, organization, user, factor: factor, secret: secret)
            try await s.administration.setPassword(user: user, password: T.password, actor: .cli)
            #expect(try await Self.revocations(s, user).first?.actor == .cli)
            let (_, kept) = try await T.remembered(s, organization, user, factor: factor, secret: secret)
            _ = try await s.app.users.setTemporaryPassword(user, password: T.password, scope: .cli)
            #expect(try await Self.revocations(s, user).count == 3)
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).isEmpty)
            try await s.repositories.users.setMustChangePassword(userID: user.id, false)
            try await Self.expectChallenged(s, organization, cookies + [kept])
        }
    }

    @Test("Removing a factor (by the user, every factor by an admin, a hardware token taken back) forgets every device",
          arguments: TestDatabase.engines)
    func byFactorRemoval(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user, factor, secret, cookies) = try await Self.setUp(s)
            // A second app, removed by the user: the devices go with it.
            let (tablet, _, _) = try await s.enrollTOTP(user)
            #expect(try await s.factors.remove(userID: user.id, factorID: tablet.id, ip: T.ip) == .removed)
            let event = try #require(try await Self.revocations(s, user).first)
            #expect(event.reason == "factor_removed" && event.detail["count"] == "2")
            try await Self.expectChallenged(s, organization, cookies)

            // A hardware token taken back by an administrator.
            let seed = Array("12345678901234567890".utf8)
            let csv = "serial,seed,digits,algorithm,counter\nTK-9,\(Hex.encode(seed)),6,SHA1,0"
            let token = try await s.inventory.importTokens(TokenImport.parseCSV(csv), organizationID: organization.id, actor: .cli, source: "csv")[0]
            _ = try await s.inventory.assign(token, to: user, until: nil, actor: .cli)
            let (_, beforeToken) = try await T.remembered(s, organization, user, factor: factor, secret: secret)
            try await s.inventory.unassign(try #require(try await s.inventory.token(id: token.id)), actor: .cli)
            #expect(try await Self.revocations(s, user).first?.actor == .cli)
            try await Self.expectChallenged(s, organization, [beforeToken])

            // "Lost phone": every factor removed by an administrator.
            let (_, beforeLoss) = try await T.remembered(s, organization, user, factor: factor, secret: secret)
            try await s.app.users.removeAllFactors(user, scope: .cli)
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).isEmpty)
            #expect(try await Self.revocations(s, user).count == 3)
            let answer = try await T.signIn(s, organization, cookie: beforeLoss)
            guard case .proceed(_, .enroll) = answer.result else { Issue.record("not sent to enroll: \(answer.result)"); return }
        }
    }
}
