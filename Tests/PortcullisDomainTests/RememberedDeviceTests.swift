import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing

/// The remembered-device rotation and theft matrix, through the sign-in flow without HTTP, on both engines:
/// remembering, skipping the challenge with a rotated cookie, a replayed old cookie (theft), a duplicate within the
/// grace, 50 parallel uses of one cookie, expiry, another user's cookie, the policy turned off. The revocations are in
/// `RememberedDeviceRevocationTests`.
@Suite("Remembered devices: rotation, theft, grace, parallel use, expiry, binding and policy — on SQLite and PostgreSQL")
struct RememberedDeviceTests {
    static let password = "correct horse battery"
    static let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    static let ip = "192.0.2.40"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A user with an authenticator app, signed in with it (password, then the app's code) on a browser they chose to
    /// remember: the signed-in session and the cookie's value.
    static func remembered(_ s: TestServices, _ organization: Organization, _ user: User, factor: Factor, secret: [UInt8],
                           userAgent: String = chrome) async throws -> (Session, String) {
        s.clock.advance(by: 30)
        guard case .proceed(let pending, .challenge) = try await s.flow.password(organization: organization, username: user.username,
                                                                                 password: password, ip: ip, replacing: nil) else {
            throw Failure(description: "no challenge")
        }
        let code = OneTimePassword.totp(secret: secret, at: s.clock.now)
        guard case .signedIn(let signedIn, _) = try await s.flow.answer(session: pending, factorID: factor.id, response: .code(code), ip: ip) else {
            throw Failure(description: "the code was refused")
        }
        guard case .set(let value, _) = try await s.flow.rememberDevice(signedIn, userAgent: userAgent, ip: ip) else {
            throw Failure(description: "not remembered")
        }
        return (signedIn, value)
    }

    /// The password step with the browser's cookie.
    static func signIn(_ s: TestServices, _ organization: Organization, _ username: String = "alice", cookie: String?,
                       ip: String = ip) async throws -> (result: SignInFlow.PasswordResult, device: DeviceCookieChange?) {
        try await s.flow.password(organization: organization, username: username, password: password, ip: ip, replacing: nil, device: cookie)
    }

    /// The signed-in session and the cookie's next value of a sign-in the device let through (nil cookie: a
    /// duplicate within the grace, which leaves the cookie alone).
    static func skipped(_ answer: (result: SignInFlow.PasswordResult, device: DeviceCookieChange?)) throws -> (Session, String?) {
        guard case .proceed(let session, .signedIn) = answer.result else { throw Failure(description: "challenged: \(answer.result)") }
        switch answer.device {
        case .set(let value, _)?: return (session, value)
        case nil: return (session, nil)
        case .clear?: throw Failure(description: "cookie cleared")
        }
    }

    /// Whether the password step ended at the challenge.
    static func challenged(_ answer: (result: SignInFlow.PasswordResult, device: DeviceCookieChange?)) -> Bool {
        if case .proceed(_, .challenge) = answer.result { return true }
        return false
    }

    static func events(_ s: TestServices, _ user: User, _ type: AuditEventType) async throws -> [AuditEvent] {
        try await s.repositories.audit.list(organizationID: nil, userID: user.id, limit: 1000).filter { $0.type == type }
    }

    @Test("Remember, then the next sign-in skips the challenge and rotates the cookie; amr rmd, audited, no step-up credit",
          arguments: TestDatabase.engines)
    func rememberAndRotate(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let (_, first) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            let stored = try #require(try await s.repositories.rememberedDevices.list(userID: user.id).first)
            #expect(stored.name == "Chrome on Linux" && stored.createdIP == Self.ip && stored.lastUsedAt == nil)
            #expect(stored.expiresAt == s.clock.now.addingTimeInterval(30 * 86_400), "the policy's 30 days")
            #expect(!first.contains(stored.seriesHash) && stored.seriesHash == Hex.sha256(String(first.split(separator: ".")[0])),
                    "only hashes are stored")
            let remembered = try #require(try await Self.events(s, user, .deviceRemembered).first)
            #expect(remembered.detail["device_id"] == stored.id && remembered.detail["name"] == "Chrome on Linux")

            s.clock.advance(by: 3600)
            let (session, second) = try Self.skipped(try await Self.signIn(s, organization, cookie: first, ip: "192.0.2.41"))
            #expect(session.amr == ["pwd", RememberedDevices.amr] && !session.amr.contains("mfa"))
            #expect(session.stage == .signedIn && session.verifiedAt == nil, "a device is not a second factor answered")
            #expect(try await s.flow.needsStepUp(session, user: user), "a security change still asks for a factor")
            let next = try #require(second)
            #expect(next != first && next.hasPrefix(String(first.split(separator: ".")[0]) + "."), "same series, new counter")
            let used = try #require(try await s.repositories.rememberedDevices.list(userID: user.id).first)
            #expect(used.expiresAt == stored.expiresAt, "using a device does not extend it")
            #expect(used.lastUsedAt == s.clock.now && used.lastUsedIP == "192.0.2.41")
            let signIn = try #require(try await Self.events(s, user, .signInSucceeded).first)
            #expect(signIn.detail["amr"] == "pwd rmd" && signIn.detail["remembered_device"] == stored.id && signIn.detail["device_use"] == "rotated")
            #expect(try await s.repositories.users.find(id: user.id)?.lastSignInAt == s.clock.now)

            // The new cookie works in turn; a remembered sign-in cannot remember again (no second factor answered).
            s.clock.advance(by: 3600)
            let (again, third) = try Self.skipped(try await Self.signIn(s, organization, cookie: next))
            #expect(third != nil && third != next)
            #expect(try await s.flow.rememberDevice(again, userAgent: Self.chrome, ip: Self.ip) == nil)
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).count == 1)
        }
    }

    @Test("An old cookie replayed after the grace is a theft: every device forgotten, other sessions ended, audited, challenge",
          arguments: TestDatabase.engines)
    func theft(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let (_, copied) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            let (_, laptop) = try await Self.remembered(s, organization, user, factor: factor, secret: secret, userAgent: "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0")
            // The owner signs in: the cookie rotates; the thief still holds the copy.
            let (ownerSession, rotated) = try Self.skipped(try await Self.signIn(s, organization, cookie: copied))
            s.clock.advance(by: RememberedDevices.grace + 1)
            let stolen = try await Self.signIn(s, organization, cookie: copied, ip: "203.0.113.9")
            #expect(Self.challenged(stolen) && stolen.device == .clear)
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).isEmpty, "every device of the user is forgotten")
            #expect(try await s.sessions.validate(token: ownerSession.token) == nil, "the user's other sessions end")
            if case .proceed(let pending, .challenge) = stolen.result {
                #expect(try await s.sessions.validate(token: pending.token) != nil, "the sign-in in progress goes on to the challenge")
            }
            let theft = try #require(try await Self.events(s, user, .deviceTheftSuspected).first)
            #expect(theft.type.outcome == .failure && theft.reason == "stale_counter" && theft.detail["count"] == "2" && theft.ipAddress == "203.0.113.9")
            // Neither the rotated cookie nor the other device works any more, and no second theft is reported.
            for cookie in [try #require(rotated), laptop] {
                let answer = try await Self.signIn(s, organization, cookie: cookie)
                #expect(Self.challenged(answer) && answer.device == .clear)
            }
            #expect(try await Self.events(s, user, .deviceTheftSuspected).count == 1)
        }
    }

    @Test("A duplicate of the rotating request within the grace is let through without a new cookie; no theft",
          arguments: TestDatabase.engines)
    func duplicateWithinGrace(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let (_, cookie) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            let (_, rotated) = try Self.skipped(try await Self.signIn(s, organization, cookie: cookie))
            s.clock.advance(by: RememberedDevices.grace - 1)
            let (duplicate, none) = try Self.skipped(try await Self.signIn(s, organization, cookie: cookie))
            #expect(none == nil, "the cookie is left to the request that rotated it")
            #expect(duplicate.amr == ["pwd", RememberedDevices.amr])
            #expect(try await Self.events(s, user, .signInSucceeded).first?.detail["device_use"] == "grace")
            #expect(try await Self.events(s, user, .deviceTheftSuspected).isEmpty)
            let (_, next) = try Self.skipped(try await Self.signIn(s, organization, cookie: try #require(rotated)))
            #expect(next != nil, "the rotated cookie still works")
        }
    }

    @Test("50 parallel sign-ins with one cookie: all skip the challenge, exactly one rotates, none is a theft",
          arguments: TestDatabase.engines)
    func parallelUses(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            var policy = SecurityPolicy()
            policy.lockoutThreshold = 60  // 50 password attempts in flight at once for one user
            let s = try TestServices(database: db, policy: policy)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let (_, cookie) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            let answers = try await withThrowingTaskGroup(of: (SignInFlow.PasswordResult, DeviceCookieChange?).self) { group in
                for n in 0..<50 {
                    group.addTask { try await Self.signIn(s, organization, cookie: cookie, ip: "198.51.100.\(n + 1)") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let skipped = try answers.map(Self.skipped)
            #expect(skipped.count == 50, "every request was let through")
            let rotations = skipped.compactMap(\.1)
            #expect(rotations.count == 1, "exactly one request rotated the cookie")
            let device = try #require(try await s.repositories.rememberedDevices.list(userID: user.id).first)
            #expect(device.previousCounterHash == Hex.sha256(String(cookie.split(separator: ".")[1])))
            #expect(device.counterHash == Hex.sha256(String(try #require(rotations.first).split(separator: ".")[1])))
            #expect(try await Self.events(s, user, .deviceTheftSuspected).isEmpty)
            let uses = try await Self.events(s, user, .signInSucceeded).compactMap { $0.detail["device_use"] }
            #expect(uses.filter { $0 == "rotated" }.count == 1 && uses.filter { $0 == "grace" }.count == 49)
            s.clock.advance(by: 60)
            #expect(try Self.skipped(try await Self.signIn(s, organization, cookie: try #require(rotations.first))).1 != nil)
        }
    }

    @Test("Expired, unknown, malformed and other users' cookies lead to the challenge; Pending users are not helped",
          arguments: TestDatabase.engines)
    func notUsed(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, alice) = try await s.makeUser()
            let (_, bob) = try await s.makeUser("bob")
            let (factor, secret, _) = try await s.enrollTOTP(alice)
            _ = try await s.enrollTOTP(bob)
            let (_, cookie) = try await Self.remembered(s, organization, alice, factor: factor, secret: secret)

            // Bob on Alice's browser: her device is not his to use, and it is no theft.
            let shared = try await Self.signIn(s, organization, "bob", cookie: cookie)
            #expect(Self.challenged(shared) && shared.device == nil, "another account's cookie is left alone")
            #expect(try await Self.events(s, alice, .deviceTheftSuspected).isEmpty)
            #expect(try await Self.events(s, bob, .deviceTheftSuspected).isEmpty)

            // Unknown or malformed cookies are cleared.
            let unknown = String(repeating: "A", count: 43) + "." + String(repeating: "B", count: 43)
            for bad in [unknown, "garbage", "a.b.c", ""] {
                let answer = try await Self.signIn(s, organization, cookie: bad)
                #expect(Self.challenged(answer) && answer.device == (bad.isEmpty ? nil : .clear), "\(bad)")
            }

            // Still Alice's, until it expires.
            let (_, rotated) = try Self.skipped(try await Self.signIn(s, organization, cookie: cookie))
            s.clock.advance(by: 30 * 86_400)
            let expired = try await Self.signIn(s, organization, cookie: try #require(rotated))
            #expect(Self.challenged(expired) && expired.device == .clear)
            try await s.app.housekeeping.sweep()
            #expect(try await s.repositories.rememberedDevices.list(userID: alice.id).isEmpty, "swept once expired")

            // A user who must enroll first is not helped by a device (its factor went behind the services' back).
            let (_, again) = try await Self.remembered(s, organization, alice, factor: factor, secret: secret)
            try await s.repositories.factors.delete(id: factor.id, userID: alice.id)
            for other in try await s.repositories.factors.list(userID: alice.id) { try await s.repositories.factors.delete(id: other.id, userID: alice.id) }
            try await s.administration.setMFARequired(user: alice, true, actor: .cli)
            let pending = try await Self.signIn(s, organization, cookie: again)
            guard case .proceed(_, .enroll(required: true)) = pending.result else { Issue.record("not sent to enroll: \(pending.result)"); return }
            #expect(pending.device == nil)
        }
    }

    @Test("Remember-device days 0: no device is remembered and cookies are ignored (not forgotten)", arguments: TestDatabase.engines)
    func policyOff(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let (_, cookie) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            func setDays(_ days: Int) async throws {
                let current = try await s.administration.organization(slug: organization.slug)
                var policy = current.policy
                policy.rememberDeviceDays = days
                try await s.administration.setPolicy(current, policy, actor: .cli)
            }
            try await setDays(0)
            #expect(try await s.app.rememberedDevices.days(organizationID: organization.id) == 0)
            let ignored = try await Self.signIn(s, organization, cookie: cookie)
            #expect(Self.challenged(ignored) && ignored.device == nil)
            await #expect(throws: Failure.self) { try await Self.remembered(s, organization, user, factor: factor, secret: secret) }
            #expect(try await s.repositories.rememberedDevices.list(userID: user.id).count == 1, "ignored, not forgotten")

            try await setDays(7)
            let (_, secondCookie) = try await Self.remembered(s, organization, user, factor: factor, secret: secret)
            let newest = try #require(try await s.repositories.rememberedDevices.list(userID: user.id).first)
            #expect(newest.expiresAt == s.clock.now.addingTimeInterval(7 * 86_400))
            #expect(try Self.skipped(try await Self.signIn(s, organization, cookie: secondCookie)).1 != nil)
        }
    }
}
