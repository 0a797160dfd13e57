import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing

@Suite("Repositories and migrations, on SQLite and PostgreSQL")
struct RepositoryTests {
    @Test("Migrations apply in order, once", arguments: TestDatabase.engines)
    func migrations(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            #expect(try await Migrations.appliedVersions(on: db) == Migrations.all.map(\.version))
            #expect(try await Migrations.run(on: db).isEmpty)
            #expect(await db.ping())
        }
    }

    @Test("Users: unique per organization, case-folded, counters atomic", arguments: TestDatabase.engines)
    func users(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let services = try TestServices(database: db)
            let (organization, user) = try await services.makeUser("Alice")
            #expect(user.username == "alice")
            #expect(try await services.repositories.users.find(organizationID: organization.id, username: "alice") == user)
            await #expect(throws: AccountAdministration.AdministrationError.self) { _ = try await services.makeUser("ALICE") }
            let other = try await services.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            _ = try await services.administration.createUser(organization: other, username: "alice", displayName: nil,
                                                             password: "another password", actor: .cli)
            // Fifty concurrent reservations with a limit of 5: exactly five are granted, numbered 1 to 5.
            let now = services.clock.now
            try await withThrowingTaskGroup(of: AttemptReservation?.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await services.repositories.users.reserveAttempt(userID: user.id, kind: .factor, limit: 5, cap: 100, now: now) }
                }
                var seen: [Int] = []
                for try await reservation in group { if let reservation { seen.append(reservation.count) } }
                #expect(seen.sorted() == Array(1...5))
            }
            var reloaded = try await services.repositories.users.find(id: user.id)
            #expect(reloaded?.failedFactorAttempts == 5 && reloaded?.failedPasswordAttempts == 0 && reloaded?.consecutiveFailures == 5)
            // Racing locks at one level: one wins.
            let until = now.addingTimeInterval(60)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await services.repositories.users.lock(userID: user.id, kind: .factor, limit: 5, cap: 100, level: 0, until: until,
                                                                   needsAdmin: false, now: now)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            reloaded = try await services.repositories.users.find(id: user.id)
            #expect(reloaded?.isLocked(at: now) == true && reloaded?.lockLevel == 1 && reloaded?.failedFactorAttempts == 0)
            #expect(try await services.repositories.users.reserveAttempt(userID: user.id, kind: .password, limit: 5, cap: 100, now: now) == nil,
                    "no attempt while locked")
            #expect(try await services.repositories.users.succeed(userID: user.id, at: now, signedIn: true) == false, "no success while locked")
            #expect(try await services.repositories.users.reserveAttempt(userID: user.id, kind: .password, limit: 5, cap: 100, now: until) != nil,
                    "the lock lifts by itself")
        }
    }

    @Test("A counter advances once: of many racing requests with the same step exactly one wins", arguments: TestDatabase.engines)
    func counterRace(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let services = try TestServices(database: db)
            let (_, user) = try await services.makeUser()
            let factor = Factor(id: "f1", userID: user.id, type: .totp, label: "x", createdAt: services.clock.now)
            try await services.repositories.factors.insert(factor)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 { group.addTask { try await services.repositories.factors.advanceCounter(id: "f1", to: 100, at: Date()) } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            #expect(try await !services.repositories.factors.advanceCounter(id: "f1", to: 99, at: Date()))
            #expect(try await services.repositories.factors.advanceCounter(id: "f1", to: 101, at: Date()))
        }
    }

    @Test("WebAuthn: a challenge is taken once, by its binding and purpose, while live; counters move once; credentials go with their factor",
          arguments: TestDatabase.engines)
    func webAuthn(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let services = try TestServices(database: db)
            let (_, user) = try await services.makeUser()
            let repository = services.repositories.webAuthn
            let now = services.clock.now
            let bytes = [UInt8](repeating: 1, count: 32)
            try await repository.storeChallenge(id: "c1", challenge: bytes, purpose: .authentication, binding: "session:a", userID: user.id,
                                                expiresAt: now.addingTimeInterval(300))
            #expect(try await repository.takeChallenge(id: "c1", purpose: .authentication, binding: "session:b", at: now) == nil)
            #expect(try await repository.takeChallenge(id: "c1", purpose: .registration, binding: "session:a", at: now) == nil)
            // Racing takes: exactly one gets it.
            let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await repository.takeChallenge(id: "c1", purpose: .authentication, binding: "session:a", at: now) != nil }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(taken == 1)
            try await repository.storeChallenge(id: "c2", challenge: bytes, purpose: .passkey, binding: "browser:x", userID: nil,
                                                expiresAt: now.addingTimeInterval(300))
            #expect(try await repository.takeChallenge(id: "c2", purpose: .passkey, binding: "browser:x", at: now.addingTimeInterval(301)) == nil,
                    "expired")
            try await repository.storeChallenge(id: "c3", challenge: bytes, purpose: .passkey, binding: "browser:x", userID: nil,
                                                expiresAt: now.addingTimeInterval(300))
            try await repository.deleteExpiredChallenges(before: now.addingTimeInterval(301))
            #expect(try await repository.takeChallenge(id: "c3", purpose: .passkey, binding: "browser:x", at: now) == nil, "swept")

            let factor = Factor(id: "f1", userID: user.id, type: .webauthn, label: "Key", confirmed: true, createdAt: now)
            try await services.repositories.factors.insert(factor)
            try await repository.insert(WebAuthnCredential(id: "cred", factorID: "f1", userID: user.id, publicKey: [1, 2], algorithm: -7,
                                                           signCount: 4, aaguid: [UInt8](repeating: 0, count: 16), transports: ["usb", "nfc"],
                                                           backupEligible: true, backupState: false, createdAt: now))
            #expect(try await repository.find(id: "cred")?.transports == ["usb", "nfc"])
            let moved = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await repository.recordUse(id: "cred", previousSignCount: 4, signCount: 5, backupState: true) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(moved == 1)
            #expect(try await repository.find(factorID: "f1").map { ($0.signCount, $0.backupState) } ?? (0, false) == (5, true))
            let handle = try await repository.userHandle(userID: user.id) { "handle-1" }
            #expect(try await repository.userHandle(userID: user.id) { "handle-2" } == handle)
            #expect(try await repository.user(handle: handle) == user.id)
            try await services.repositories.factors.delete(id: "f1", userID: user.id)
            #expect(try await repository.find(id: "cred") == nil, "removed with its factor")
        }
    }

    @Test("Sessions are stored by hash, never by token", arguments: TestDatabase.engines)
    func sessionStorage(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let services = try TestServices(database: db)
            let (_, user) = try await services.makeUser()
            let session = try await services.sessions.start(user: user, stage: .signedIn, amr: ["pwd", "otp"])
            #expect(session.token.count == 43, "256 bits in base64url")
            let rows = try await db.sql.raw("SELECT token_hash FROM sessions").all()
            let stored = try rows.map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(stored.count == 1 && !stored[0].contains(session.token))
            let found = try #require(try await services.repositories.sessions.find(token: session.token))
            #expect(found.session == session && found.user == user, "the session and its user, from one join")
        }
    }

    @Test("Sliding windows: a burst passes the limit exactly, no double burst at the edge, release gives back", arguments: TestDatabase.engines)
    func rateLimits(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let limits = Repositories.sql(db).rateLimits
            let window: TimeInterval = 900
            // 50 at once, limit 10, just before a window's edge.
            let edge = Date(timeIntervalSince1970: 900 * 1000)
            let before = edge.addingTimeInterval(-1)
            func burst(at time: Date) async throws -> Int {
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<50 { group.addTask { try await limits.reserve(key: "k", limit: 10, window: window, now: time) } }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
            }
            #expect(try await burst(at: before) == 10)
            // Just after the edge the previous window still weighs almost fully.
            #expect(try await burst(at: edge.addingTimeInterval(1)) == 0)
            // Halfway through the next window half the slots are free again.
            #expect(try await burst(at: edge.addingTimeInterval(window / 2)) == 5)
            #expect(try await limits.used(key: "k", window: window, now: edge.addingTimeInterval(window / 2)) == 10)
            try await limits.release(key: "k", window: window, reservedAt: edge.addingTimeInterval(window / 2))
            #expect(try await limits.reserve(key: "k", limit: 10, window: window, now: edge.addingTimeInterval(window / 2)))
            // Two windows later everything is forgotten.
            #expect(try await burst(at: edge.addingTimeInterval(3 * window)) == 10)
        }
    }

    @Test("Deleting a user removes their factors, codes and sessions", arguments: TestDatabase.engines)
    func cascade(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let services = try TestServices(database: db)
            let (_, user) = try await services.makeUser()
            _ = try await services.enrollTOTP(user)
            _ = try await services.sessions.start(user: user, stage: .signedIn, amr: ["pwd"])
            try await db.sql.delete(from: "users").where("id", .equal, user.id).run()
            for table in ["factors", "backup_codes", "sessions"] {
                let row = try await db.sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
                #expect(try row?.decode(column: "n", as: Int.self) == 0, "\(table)")
            }
        }
    }
}
