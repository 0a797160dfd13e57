import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing

@Suite("Sign-in rules: TOTP, backup codes, lockout, throttle, sessions, audit — on SQLite and PostgreSQL")
struct SignInServiceTests {
    let ip = "192.0.2.10"

    @Test("TOTP: ±1 step accepted, further refused, every code only once", arguments: TestDatabase.engines)
    func totp(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            func code(_ steps: Double) -> String { OneTimePassword.totp(secret: secret, at: s.clock.now.addingTimeInterval(steps * 30)) }
            func check(_ code: String) async throws -> SignInService.FactorOutcome {
                try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: FactorResponse.code(code), ip: ip)
            }
            // The enrollment code (current step) is spent.
            #expect(try await check(code(0)) == .rejected)
            s.clock.advance(by: 30)
            #expect(try await check(code(2)) == .rejected, "two steps ahead is outside the window")
            #expect(try await check(code(-2)) == .rejected)
            s.clock.advance(by: 60)
            #expect(try await check(code(-1)).isAccepted, "one step behind: clock drift")
            #expect(try await s.repositories.factors.find(id: factor.id, userID: user.id)?.lastUsedAt == s.clock.now, "last use recorded")
            #expect(try await check(code(-1)) == .rejected, "replay")
            #expect(try await check(code(-2)) == .rejected, "older than the last accepted step")
            #expect(try await check(code(1)).isAccepted, "one step ahead")
            let replays = try await s.repositories.audit.list(organizationID: nil, userID: user.id, limit: 100)
                .filter { $0.type == .factorFailed && $0.reason == "replayed_code" }
            #expect(replays.count >= 1)
        }
    }

    @Test("Secrets are encrypted at rest and only open with the key", arguments: TestDatabase.engines)
    func encryptedAtRest(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            let row = try await db.sql.raw("SELECT sealed_secret FROM factors WHERE id = \(bind: factor.id)").first()
            let stored = try #require(try row?.decode(column: "sealed_secret", as: Data.self))
            #expect(stored.range(of: Data(secret)) == nil)
            #expect(stored.range(of: Data(Base32.encode(secret).utf8)) == nil)
            #expect(try s.secrets.open(stored, context: factor.secretContext) == secret)
            let otherKey = SecretBox(current: try .init(bytes: SystemRandomSource().bytes(32)))
            #expect(throws: SecretBoxError.self) { try otherKey.open(stored, context: factor.secretContext) }
        }
    }

    @Test("Backup codes: issued with the first factor, each works once, regenerating voids the old list", arguments: TestDatabase.engines)
    func backupCodes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let (_, _, codes) = try await s.enrollTOTP(user)
            #expect(codes.count == 10 && Set(codes).count == 10)
            let list = try #require(try await s.signIn.confirmedFactors(userID: user.id).first { $0.type == .backupCodes })
            func check(_ code: String) async throws -> SignInService.FactorOutcome {
                try await s.signIn.verifyFactor(userID: user.id, factorID: list.id, response: FactorResponse.code(code), ip: ip)
            }
            s.clock.advance(by: 5)
            #expect(try await check(codes[0].uppercased().replacingOccurrences(of: "-", with: " ")).isAccepted)
            #expect(try await s.repositories.factors.find(id: list.id, userID: user.id)?.lastUsedAt == s.clock.now, "last use recorded")
            #expect(try await check(codes[0]) == .rejected)
            #expect(try await s.repositories.factors.unusedBackupCodes(factorID: list.id).count == 9)
            let hashes = try await db.sql.raw("SELECT code_hash FROM backup_codes").all()
            #expect(hashes.count == 10)
            let fresh = try #require(try await s.factors.regenerateBackupCodes(userID: user.id, ip: ip))
            #expect(try await check(codes[1]) == .rejected, "the old list's factor is gone")
            let newList = try #require(try await s.signIn.confirmedFactors(userID: user.id).first { $0.type == .backupCodes })
            let outcome = try await s.signIn.verifyFactor(userID: user.id, factorID: newList.id, response: FactorResponse.code(fresh[3]), ip: ip)
            #expect(outcome.isAccepted)
        }
    }

    @Test("Five wrong passwords lock the account for 30 minutes; the answer never changes", arguments: TestDatabase.engines)
    func passwordLockout(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            for _ in 0..<5 {
                #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "wrong password", ip: ip).isFailed)
            }
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip).isFailed,
                    "locked: even the right password gets the same failure")
            let events = try await s.repositories.audit.list(organizationID: organization.id, userID: user.id, limit: 100)
            #expect(events.filter { $0.type == .accountLocked }.count == 1)
            #expect(events.contains { $0.type == .signInFailed && $0.reason == "locked" })
            #expect(events.contains { $0.type == .signInFailed && $0.reason == "bad_password" })
            s.clock.advance(by: 29 * 60)
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip).isFailed)
            s.clock.advance(by: 61)
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip).isSuccess)
        }
    }

    @Test("Password and factor failures are counted apart; five factor failures lock", arguments: TestDatabase.engines)
    func factorLockout(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            for _ in 0..<4 { _ = try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "nope nope", ip: ip) }
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip).isSuccess)
            func wrong() async throws -> SignInService.FactorOutcome {
                let right = OneTimePassword.totp(secret: secret, at: s.clock.now)
                let wrong = right == "000000" ? "111111" : "000000"
                return try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: FactorResponse.code(wrong), ip: ip)
            }
            for _ in 0..<4 { #expect(try await wrong() == .rejected) }
            // A correct code resets the factor count.
            s.clock.advance(by: 30)
            #expect(try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id,
                                                   response: FactorResponse.code(OneTimePassword.totp(secret: secret, at: s.clock.now)), ip: ip).isAccepted)
            for _ in 0..<4 { #expect(try await wrong() == .rejected) }
            guard case .locked(let until) = try await wrong() else { Issue.record("not locked"); return }
            #expect(until == s.clock.now.addingTimeInterval(30 * 60))
            s.clock.advance(by: 30)
            let right = OneTimePassword.totp(secret: secret, at: s.clock.now)
            #expect(try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: FactorResponse.code(right), ip: ip) == .locked(until: until),
                    "no code is checked while locked")
        }
    }

    @Test("Unknown users fail like wrong passwords, and a spraying IP is throttled", arguments: TestDatabase.engines)
    func throttle(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            var policy = SecurityPolicy()
            policy.ipFailureLimit = 6
            let s = try TestServices(database: db, policy: policy)
            let (organization, _) = try await s.makeUser()
            for n in 0..<6 {
                #expect(try await s.signIn.verifyPassword(organization: organization, username: "nobody\(n)", password: "guess guess", ip: ip).isFailed)
            }
            guard case .throttled = try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip) else {
                Issue.record("not throttled"); return
            }
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: "198.51.100.7").isSuccess)
            s.clock.advance(by: 15 * 60)
            #expect(try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "correct horse battery", ip: ip).isSuccess)
            let unknown = try await s.repositories.audit.list(organizationID: organization.id, userID: nil, limit: 100).filter { $0.reason == "unknown_user" }
            #expect(unknown.count == 6)
        }
    }

    @Test("Next step: challenge with the default factor, forced or invited enrollment", arguments: TestDatabase.engines)
    func nextStep(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, invited) = try await s.makeUser("bob")
            #expect(try await s.signIn.nextStep(for: invited) == .enroll(required: false))
            try await s.repositories.users.setMFAPromptDismissed(userID: invited.id)
            #expect(try await s.signIn.nextStep(for: try #require(try await s.repositories.users.find(id: invited.id))) == .done)
            let (_, required) = try await s.makeUser("carol", mfaRequired: true)
            #expect(try await s.signIn.nextStep(for: required) == .enroll(required: true))
            let (factor, _, _) = try await s.enrollTOTP(required)
            guard case .challenge(let challenged) = try await s.signIn.nextStep(for: required) else { Issue.record("no challenge"); return }
            #expect(challenged.id == factor.id)
            // The last possession factor of a required user cannot be removed (SPEC §3.1).
            #expect(try await s.factors.remove(userID: required.id, factorID: factor.id, confirmLast: true, ip: ip) == .lastFactorRequired)
            // Once not required, removing it asks for confirmation and takes the backup codes with it.
            try await s.administration.setMFARequired(user: required, false, actor: .cli)
            #expect(try await s.factors.remove(userID: required.id, factorID: factor.id, ip: ip) == .needsConfirmation)
            #expect(try await s.factors.remove(userID: required.id, factorID: factor.id, confirmLast: true, ip: ip) == .removed)
            #expect(try await s.signIn.confirmedFactors(userID: required.id).isEmpty)
            let unrequired = try #require(try await s.repositories.users.find(id: required.id))
            #expect(try await s.signIn.nextStep(for: unrequired) == .enroll(required: false))
            let audit = try await s.repositories.audit.list(organizationID: nil, userID: required.id, limit: 50)
            #expect(audit.contains { $0.type == .factorEnrolled } && audit.contains { $0.type == .factorRemoved })
        }
    }

    @Test("Sessions: new token at every stage, idle timeout, absolute lifetime, sign-out", arguments: TestDatabase.engines)
    func sessions(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let pending = try await s.sessions.start(user: user, stage: .secondFactor, amr: ["pwd"])
            #expect(try await s.sessions.validate(token: pending.token)?.stage == .secondFactor)
            let signedIn = try await s.sessions.advance(pending, to: .signedIn, addingAMR: ["otp"])
            #expect(signedIn.token != pending.token)
            #expect(try await s.sessions.validate(token: pending.token) == nil, "the old token is dead")
            #expect(try await s.sessions.validate(token: signedIn.token)?.amr == ["pwd", "otp"])
            // Activity keeps it alive up to the absolute lifetime (12 h).
            for _ in 0..<(12 * 3) {
                s.clock.advance(by: 20 * 60)
                if s.clock.now < signedIn.expiresAt { #expect(try await s.sessions.validate(token: signedIn.token) != nil) }
            }
            #expect(try await s.sessions.validate(token: signedIn.token) == nil)
            // Idle for more than 30 minutes ends it.
            let idle = try await s.sessions.start(user: user, stage: .signedIn, amr: ["pwd"])
            s.clock.advance(by: 31 * 60)
            #expect(try await s.sessions.validate(token: idle.token) == nil)
            // A half-done sign-in lasts 10 minutes.
            let half = try await s.sessions.start(user: user, stage: .secondFactor, amr: ["pwd"])
            s.clock.advance(by: 11 * 60)
            #expect(try await s.sessions.validate(token: half.token) == nil)
            let ended = try await s.sessions.start(user: user, stage: .signedIn, amr: ["pwd"])
            try await s.sessions.end(ended.token)
            #expect(try await s.sessions.validate(token: ended.token) == nil)
            #expect(try await s.sessions.validate(token: "short") == nil)
        }
    }
}

extension SignInService.FactorOutcome {
    var isAccepted: Bool { if case .accepted = self { true } else { false } }
}

extension SignInService.PasswordOutcome {
    var isFailed: Bool { if case .failed = self { true } else { false } }
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
