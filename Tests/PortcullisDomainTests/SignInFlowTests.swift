import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import PortcullisTokenImport
import Testing

/// The sign-in flow driven without HTTP, one request at a time and in bursts of parallel requests, on both engines.
@Suite("Sign-in flow: complete sign-ins, lockout and limits under bursts of parallel requests — on SQLite and PostgreSQL")
struct SignInFlowTests {
    let ip = "192.0.2.30"
    let password = "correct horse battery"

    /// Runs `count` copies of `body` at once and collects their results.
    func burst<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            for n in 0..<count { group.addTask { try await body(n) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func audit(_ s: TestServices, _ user: User) async throws -> [AuditEvent] {
        try await s.repositories.audit.list(organizationID: nil, userID: user.id, limit: 1000)
    }

    func wrongCode(_ secret: [UInt8], _ s: TestServices) -> String {
        let right = OneTimePassword.totp(secret: secret, at: s.clock.now)
        return right == "000000" ? "111111" : "000000"
    }

    @Test("Complete sign-ins: password → TOTP / backup code; amr says what was used; skip; required enrollment", arguments: TestDatabase.engines)
    func completeSignIns(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            // Invited: skip signs in with the password alone.
            guard case .proceed(let invited, .enroll(required: false)) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no invitation"); return }
            guard case .signedIn(let skipped) = try await s.flow.skipEnrollment(session: invited, user: user, dismiss: false, ip: ip) else {
                Issue.record("skip refused"); return
            }
            #expect(skipped.amr == ["pwd"] && skipped.stage == .signedIn)
            #expect(try await s.sessions.validate(token: invited.token) == nil, "a new token at each stage")

            let (factor, secret, codes) = try await s.enrollTOTP(user)
            s.clock.advance(by: 30)
            guard case .proceed(let pending, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: skipped) else { Issue.record("no challenge"); return }
            #expect(try await s.sessions.validate(token: skipped.token) == nil, "the old session was replaced")
            guard case .notAllowed = try await s.flow.skipEnrollment(session: pending, user: user, dismiss: false, ip: ip) else {
                Issue.record("a user with a factor skipped the challenge"); return
            }
            let code = OneTimePassword.totp(secret: secret, at: s.clock.now)
            guard case .signedIn(let signedIn, _) = try await s.flow.answer(session: pending, factorID: factor.id, response: FactorResponse.code(code), ip: ip) else {
                Issue.record("TOTP refused"); return
            }
            #expect(signedIn.amr == ["pwd", "otp", "mfa"])

            // A backup code is a knowledge factor: no `mfa`.
            guard case .proceed(let again, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no challenge"); return }
            let list = try #require(try await s.signIn.confirmedFactors(userID: user.id).first { $0.type == .backupCodes })
            guard case .signedIn(let withCode, _) = try await s.flow.answer(session: again, factorID: list.id, response: FactorResponse.code(codes[0]), ip: ip) else {
                Issue.record("backup code refused"); return
            }
            #expect(withCode.amr == ["pwd", "otp"])

            // Required: no skipping.
            let (_, carol) = try await s.makeUser("carol", mfaRequired: true)
            guard case .proceed(let required, .enroll(required: true)) = try await s.flow.password(
                organization: organization, username: "carol", password: password, ip: ip, replacing: nil) else { Issue.record("no enrollment"); return }
            guard case .notAllowed = try await s.flow.skipEnrollment(session: required, user: carol, dismiss: true, ip: ip) else {
                Issue.record("required enrollment skipped"); return
            }
        }
    }

    @Test("Complete sign-ins with a hardware token and a grid pattern; a pattern needs a possession factor; an admin unlock ends sessions",
          arguments: TestDatabase.engines)
    func tokenAndPattern(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            // A backup alone is refused: the pattern needs a possession factor beside it.
            guard case .needsPossessionFactor = try await s.factors.enrollPattern(user: user, pattern: "1-5-9-6", confirmation: "1-5-9-6", ip: ip) else {
                Issue.record("a pattern without a possession factor"); return
            }
            let seed = Array("12345678901234567890".utf8)
            let imported = ImportedToken(serial: "HW-1", seed: seed)
            let tokens = try await s.inventory.importTokens(.success([imported]), organizationID: organization.id, actor: .cli, source: "csv")
            _ = try await s.inventory.assign(try #require(tokens.first), to: user, until: nil, actor: .cli)
            guard case .enrolled(let pattern) = try await s.factors.enrollPattern(user: user, pattern: "1-5-9-6", confirmation: "1-5-9-6", ip: ip) else {
                Issue.record("pattern refused beside a token"); return
            }
            guard case .proceed(let pending, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no challenge"); return }
            let token = try #require(try await s.signIn.confirmedFactors(userID: user.id).first { $0.type == .hotp })
            guard case .signedIn(let withToken, _) = try await s.flow.answer(session: pending, factorID: token.id,
                                                                             response: FactorResponse.code(OneTimePassword.hotp(secret: seed, counter: 0)), ip: ip) else {
                Issue.record("token code refused"); return
            }
            #expect(withToken.amr == ["pwd", "hwk", "mfa"])
            guard case .proceed(let again, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no challenge"); return }
            guard case .signedIn(let withPattern, _) = try await s.flow.answer(session: again, factorID: pattern.id,
                                                                               response: .pattern("1-5-9-6"), ip: ip) else {
                Issue.record("pattern refused"); return
            }
            #expect(withPattern.amr == ["pwd", "pin"], "password + pattern is not multi-factor")
            #expect(try await s.factors.mfaState(of: user) == .enabled)
            try await s.administration.unlock(user: user, actor: .cli)
            #expect(try await s.sessions.validate(token: withPattern.token) == nil, "an admin unlock ends the user's sessions")
        }
    }

    @Test("60 parallel wrong passwords: at most 5 checked, one lock; then the right password fails like the rest", arguments: TestDatabase.engines)
    func passwordBurst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db, hashConcurrency: 2, hashQueue: 100)
            let (organization, user) = try await s.makeUser()
            let results = try await burst(60) { n in
                try await s.flow.password(organization: organization, username: "alice", password: "wrong \(n)", ip: "198.51.100.\(n)", replacing: nil)
            }
            #expect(results.allSatisfy { if case .failed = $0 { true } else { false } })
            let events = try await audit(s, user)
            #expect(events.filter { $0.reason == "bad_password" }.count == 5, "only five guesses were checked")
            #expect(events.filter { $0.type == .accountLocked }.count == 1)
            guard case .failed = try await s.flow.password(organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else {
                Issue.record("the right password passed on a locked account"); return
            }
        }
    }

    @Test("30 parallel wrong codes then the right one: locked, no session; 20 wrong backup codes + 1 right never sign in locked", arguments: TestDatabase.engines)
    func factorBurst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db, hashConcurrency: 2, hashQueue: 100)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, codes) = try await s.enrollTOTP(user)
            s.clock.advance(by: 30)
            guard case .proceed(let pending, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no challenge"); return }
            let wrong = wrongCode(secret, s)
            let results = try await burst(30) { _ in
                try await s.flow.answer(session: pending, factorID: factor.id, response: FactorResponse.code(wrong), ip: ip)
            }
            #expect(!results.contains { if case .signedIn = $0 { true } else { false } })
            #expect(try await audit(s, user).filter { $0.reason == "bad_code" }.count == 5, "only five codes were checked")
            let right = OneTimePassword.totp(secret: secret, at: s.clock.now)
            guard case .locked = try await s.flow.answer(session: pending, factorID: factor.id, response: FactorResponse.code(right), ip: ip) else {
                Issue.record("the right code passed on a locked account"); return
            }
            #expect(try await s.sessions.validate(token: pending.token) == nil, "the half-finished sign-in ended with the lock")

            // Backup codes: 20 wrong and the right one at once, after the lock lifted.
            s.clock.advance(by: 31 * 60)
            guard case .proceed(let next, .challenge) = try await s.flow.password(
                organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else { Issue.record("no challenge"); return }
            let list = try #require(try await s.signIn.confirmedFactors(userID: user.id).first { $0.type == .backupCodes })
            let mixed = try await burst(21) { n in
                try await s.flow.answer(session: next, factorID: list.id, response: FactorResponse.code(n == 20 ? codes[1] : "aaaaa-aaaa\(n % 10)"), ip: ip)
            }
            let signedIn = mixed.filter { if case .signedIn = $0 { true } else { false } }.count
            #expect(signedIn <= 1)
            let checked = try await audit(s, user).filter { $0.reason == "bad_code" && $0.createdAt == s.clock.now }.count
            if signedIn == 0 {
                // The right code was not among the checked ones: five guesses, then the lock refused the rest.
                #expect(checked == 5)
                #expect(try #require(try await s.repositories.users.find(id: user.id)).isLocked(at: s.clock.now))
            } else {
                // It was: its success reset the count, so at most five guesses before it and five after.
                #expect(checked <= 10)
            }
        }
    }

    @Test("10 parallel submissions of one valid code: one accepted, the rest refused as replays, not counted", arguments: TestDatabase.engines)
    func doubleSubmit(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            s.clock.advance(by: 30)
            let code = OneTimePassword.totp(secret: secret, at: s.clock.now)
            let results = try await burst(10) { _ in
                try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: FactorResponse.code(code), ip: ip)
            }
            #expect(results.filter(\.isAccepted).count == 1)
            #expect(!results.contains { if case .locked = $0 { true } else { false } })
            let reloaded = try #require(try await s.repositories.users.find(id: user.id))
            #expect(reloaded.failedFactorAttempts == 0 && !reloaded.isLocked(at: s.clock.now), "duplicates are not guesses")
            #expect(try await audit(s, user).filter { $0.reason == "bad_code" }.isEmpty)
        }
    }

    @Test("60 parallel failures from one address: at most the per-IP limit checked", arguments: TestDatabase.engines)
    func ipBurst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db, hashConcurrency: 2, hashQueue: 100)
            let (organization, _) = try await s.makeUser()
            let results = try await burst(60) { n in
                try await s.flow.password(organization: organization, username: "nobody\(n)", password: "guess", ip: ip, replacing: nil)
            }
            let throttled = results.filter { if case .throttled = $0 { true } else { false } }.count
            #expect(throttled == 40, "20 checked, 40 refused before any work")
            let checked = try await s.repositories.audit.list(organizationID: organization.id, userID: nil, limit: 1000).filter { $0.reason == "unknown_user" }
            #expect(checked.count == 20)
        }
    }

    @Test("Escalation: each lock lasts longer; at the cap only an admin unlocks; only a success resets", arguments: TestDatabase.engines)
    func escalation(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            var policy = SecurityPolicy()
            policy.lockoutFailureCap = 12
            let s = try TestServices(database: db, policy: policy)
            let (organization, user) = try await s.makeUser()
            func fail(_ count: Int) async throws {
                for n in 0..<count {
                    _ = try await s.flow.password(organization: organization, username: "alice", password: "wrong", ip: "203.0.113.\(n)", replacing: nil)
                }
            }
            try await fail(5)
            var reloaded = try #require(try await s.repositories.users.find(id: user.id))
            #expect(reloaded.lockedUntil == s.clock.now.addingTimeInterval(30 * 60) && reloaded.lockLevel == 1)
            s.clock.advance(by: 30 * 60)
            try await fail(5)
            reloaded = try #require(try await s.repositories.users.find(id: user.id))
            #expect(reloaded.lockedUntil == s.clock.now.addingTimeInterval(60 * 60), "the second lock lasts twice as long")
            s.clock.advance(by: 60 * 60)
            try await fail(2)
            reloaded = try #require(try await s.repositories.users.find(id: user.id))
            #expect(reloaded.lockNeedsAdmin && reloaded.consecutiveFailures == 12, "the cap is reached")
            s.clock.advance(by: 365 * 86400)
            guard case .failed = try await s.flow.password(organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else {
                Issue.record("the capped lock lifted by itself"); return
            }
            try await s.administration.unlock(user: user, actor: .cli)
            guard case .proceed(_, .enroll) = try await s.flow.password(organization: organization, username: "alice", password: password, ip: ip, replacing: nil) else {
                Issue.record("the admin unlock did not work"); return
            }
            reloaded = try #require(try await s.repositories.users.find(id: user.id))
            #expect(reloaded.consecutiveFailures == 0 && reloaded.lockLevel == 0)
        }
    }

    @Test("Send limits and cooldown hold under bursts: 40 enrollments, 30 resends; no errors", arguments: TestDatabase.engines)
    func sendBursts(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db, hashConcurrency: 2, hashQueue: 200)
            let (organization, user) = try await s.makeUser()
            let outcomes = try await burst(40) { n in
                let factor = try await SMSFactor().beginEnrollment(userID: user.id, destination: "+1500555\(String(format: "%04d", n))",
                                                                   label: "Phone", context: s.context)
                return try await s.messages.send(factor: factor, user: user, organization: organization, purpose: .enrollment, ip: "198.51.100.\(n)")
            }
            #expect(s.sent.all.count == 5, "per-user hourly limit")
            #expect(outcomes.filter { if case .sent = $0 { true } else { false } }.count == 5)

            let (_, bob) = try await s.makeUser("bob")
            let factor = try await SMSFactor().beginEnrollment(userID: bob.id, destination: "+15005550100", label: "Phone", context: s.context)
            let before = s.sent.all.count
            let resends = try await burst(30) { _ in
                try await s.messages.send(factor: factor, user: bob, organization: organization, purpose: .signIn, ip: ip)
            }
            #expect(s.sent.all.count - before == 1, "one code per cooldown")
            #expect(resends.filter { if case .sent = $0 { true } else { false } }.count == 1)
            // The code that was sent is the one stored.
            let code = try #require(s.sent.last?.code)
            #expect(try await s.signIn.verifyFactor(userID: bob.id, factorID: factor.id, response: FactorResponse.code(code), ip: ip) == .rejected,
                    "unconfirmed factors are not sign-in factors")
            guard case .confirmed = try await s.factors.confirm(userID: bob.id, factorID: factor.id, response: FactorResponse.code(code), label: nil, ip: ip) else {
                Issue.record("the sent code does not confirm"); return
            }
        }
    }
}
