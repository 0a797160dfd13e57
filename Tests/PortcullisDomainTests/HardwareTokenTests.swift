import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestKit
import PortcullisTestSupport
import PortcullisTokenImport
import SQLKit
import Testing

@Suite("Hardware tokens: HOTP, inventory, lending, resync — on SQLite and PostgreSQL")
struct HardwareTokenTests {
    static let rfcSeed = Array("12345678901234567890".utf8)
    static let rfcCodes = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]

    static func csv(_ rows: [(serial: String, seed: [UInt8], counter: Int)]) -> String {
        "serial,seed,digits,algorithm,counter\n" + rows.map { row in
            "\(row.serial),\(row.seed.map { String(format: "%02x", $0) }.joined()),6,SHA1,\(row.counter)"
        }.joined(separator: "\n")
    }

    /// An organization, a user and one imported token assigned to them.
    static func setUp(_ s: TestServices, seed: [UInt8] = rfcSeed, counter: Int = 0) async throws -> (Organization, User, HardwareToken, Factor) {
        let (organization, user) = try await s.makeUser()
        let imported = try await s.inventory.importTokens(TokenImport.parseCSV(csv([("TK-1", seed, counter)])), organizationID: organization.id,
                                                          actor: .cli, source: "csv")
        let factor = try await s.inventory.assign(imported[0], to: user, until: nil, actor: .cli)
        return (organization, user, try #require(try await s.repositories.tokens.find(id: imported[0].id)), factor)
    }

    func check(_ s: TestServices, _ user: User, _ factor: Factor, _ code: String) async throws -> SignInService.FactorOutcome {
        try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: FactorResponse.code(code), ip: "192.0.2.1")
    }

    @Test("RFC 4226 codes in order; each once; the look-ahead window is 10", arguments: TestDatabase.engines)
    func rfcVectors(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user, token, factor) = try await Self.setUp(s)
            #expect(factor.type == .hotp && factor.isDefault)
            #expect(try await check(s, user, factor, Self.rfcCodes[0]).isAccepted)
            #expect(try await check(s, user, factor, Self.rfcCodes[0]) == .rejected, "replay")
            #expect(try await check(s, user, factor, Self.rfcCodes[3]).isAccepted, "skipping two presses is fine")
            #expect(try await check(s, user, factor, Self.rfcCodes[1]) == .rejected, "behind the counter")
            #expect(try await s.repositories.tokens.find(id: token.id)?.counter == 4)
            // Counter 4 + 10 look-ahead: code 14 is outside; a wrong code does not move the counter.
            let far = OneTimePassword.hotp(secret: Self.rfcSeed, counter: 14)
            #expect(try await check(s, user, factor, far) == .rejected)
            #expect(try await s.repositories.tokens.find(id: token.id)?.counter == 4)
            let edge = OneTimePassword.hotp(secret: Self.rfcSeed, counter: 13)
            #expect(try await check(s, user, factor, edge).isAccepted)
            #expect(try await s.repositories.tokens.find(id: token.id)?.counter == 14)
            #expect(try await s.repositories.tokens.find(id: token.id)?.lastUsedAt == s.clock.now)
        }
    }

    @Test("Codes from oathtool are accepted, for SHA-1, SHA-256 and SHA-512, 6 and 8 digits", arguments: TestDatabase.engines)
    func oathtool(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            for (index, (algorithm, digits)) in [(OTPAlgorithm.sha1, 6), (.sha256, 8), (.sha512, 6)].enumerated() {
                let seed = SystemRandomSource().bytes(32)
                let line = "TK-\(index),\(seed.map { String(format: "%02x", $0) }.joined()),\(digits),\(algorithm.rawValue),5"
                let token = try await s.inventory.importTokens(TokenImport.parseCSV(line), organizationID: organization.id, actor: .cli, source: "csv")[0]
                let factor = try await s.inventory.assign(token, to: user, until: nil, actor: .cli)
                // oathtool's HOTP mode is SHA-1 only; TOTP at time counter × 30 s is HOTP at that counter for any hash.
                let hex = seed.map { String(format: "%02x", $0) }.joined()
                let code = algorithm == .sha1
                    ? try run("oathtool", ["--hotp", "-d", String(digits), "-c", "7", hex])
                    : try run("oathtool", ["--totp=\(algorithm.rawValue.lowercased())", "-d", String(digits), "-s", "30s", "-N", "@\(7 * 30)", hex])
                #expect(try await check(s, user, factor, code).isAccepted, "\(algorithm) \(digits)")
            }
        }
    }

    @Test("Two nodes racing with the same code: exactly one accepts", arguments: TestDatabase.engines)
    func race(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user, _, factor) = try await Self.setUp(s)
            let hotp = HOTPFactor()
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await hotp.verify(FactorResponse.code(Self.rfcCodes[2]), factor: factor, context: s.context) == .accepted }
                }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(accepted == 1)
            _ = user
        }
    }

    @Test("Resync after 50 unused presses: two consecutive codes in the wider window", arguments: TestDatabase.engines)
    func resync(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user, token, factor) = try await Self.setUp(s)
            let at50 = OneTimePassword.hotp(secret: Self.rfcSeed, counter: 50)
            let at51 = OneTimePassword.hotp(secret: Self.rfcSeed, counter: 51)
            #expect(try await check(s, user, factor, at50) == .rejected, "outside the look-ahead window")
            #expect(try await !s.inventory.resync(token, first: at51, second: at50, actor: .cli), "out of order")
            #expect(try await !s.inventory.resync(token, first: at50, second: "000000", actor: .cli))
            #expect(try await s.inventory.resync(try #require(try await s.repositories.tokens.find(id: token.id)), first: at50, second: at51, actor: .cli))
            #expect(try await s.repositories.tokens.find(id: token.id)?.counter == 52)
            #expect(try await check(s, user, factor, OneTimePassword.hotp(secret: Self.rfcSeed, counter: 52)).isAccepted)
            let far = try #require(try await s.repositories.tokens.find(id: token.id))
            #expect(try await !s.inventory.resync(far, first: OneTimePassword.hotp(secret: Self.rfcSeed, counter: 200),
                                                  second: OneTimePassword.hotp(secret: Self.rfcSeed, counter: 201), actor: .cli),
                    "beyond the resync window of 100")
            let audit = try await s.repositories.audit.list(organizationID: nil, userID: user.id, limit: 100).map(\.type)
            #expect(audit.contains(.tokenResynced) && audit.contains(.tokenResyncFailed))
        }
    }

    @Test("Import: all or nothing, seeds encrypted at rest, duplicates refused", arguments: TestDatabase.engines)
    func importRules(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, _) = try await s.makeUser()
            let seed = SystemRandomSource().bytes(20)
            let tokens = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv([("A-1", seed, 0), ("A-2", seed, 3)])),
                                                            organizationID: organization.id, actor: .cli, source: "csv")
            #expect(tokens.count == 2 && tokens.allSatisfy { $0.state == .unassigned })
            let rows = try await db.sql.raw("SELECT sealed_seed FROM hardware_tokens").all()
            for row in rows {
                let stored = try row.decode(column: "sealed_seed", as: Data.self)
                #expect(stored.range(of: Data(seed)) == nil)
            }
            // One serial already present: nothing of this file is imported.
            await #expect(throws: TokenInventory.InventoryError.duplicateSerial("A-2")) {
                try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv([("B-1", seed, 0), ("A-2", seed, 0)])),
                                                   organizationID: organization.id, actor: .cli, source: "csv")
            }
            #expect(try await s.repositories.tokens.find(serial: "B-1") == nil)
            await #expect(throws: TokenInventory.InventoryError.self) {
                try await s.inventory.importTokens(TokenImport.parseCSV("C-1,zz,6,SHA1,0"), organizationID: organization.id, actor: .cli, source: "csv")
            }
            #expect(try await s.repositories.tokens.list(organizationID: organization.id).count == 2)
        }
    }

    @Test("Lending: due back at the end of the day in the organization's zone, then it stops working and returns by itself",
          arguments: TestDatabase.engines)
    func lending(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            // The spare pool's token, lent to this organization's user.
            let token = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv([("POOL-1", Self.rfcSeed, 0)])),
                                                           organizationID: nil, actor: .cli, source: "csv")[0]
            s.clock.set(ISO8601DateFormatter().date(from: "2026-11-23T10:00:00Z")!)
            let berlin = TimeZone(identifier: "Europe/Berlin")!
            let due = TokenInventory.endOfDay(s.clock.now, in: berlin)
            #expect(ISO8601DateFormatter().string(from: due) == "2026-11-23T23:00:00Z")
            let factor = try await s.inventory.assign(token, to: user, until: due, actor: .cli)
            #expect(try await s.repositories.tokens.find(id: token.id)?.state == .lent)
            #expect(try await check(s, user, factor, Self.rfcCodes[0]).isAccepted)
            s.clock.set(due)
            #expect(try await check(s, user, factor, Self.rfcCodes[1]) == .rejected, "stops working when due")
            // The next look at the user's factors returns it to the pool.
            #expect(try await s.signIn.confirmedFactors(userID: user.id).isEmpty)
            let back = try #require(try await s.repositories.tokens.find(id: token.id))
            #expect(back.state == .unassigned && back.userID == nil && back.organizationID == nil)
            #expect(try await s.repositories.audit.list(organizationID: organization.id, userID: user.id, limit: 50).contains { $0.type == .tokenReturned })
            // And the sweep finds nothing more to do.
            #expect(try await s.inventory.returnDueLoans() == 0)
        }
    }

    @Test("Assignment rules: one holder at a time, organization tokens stay in their organization", arguments: TestDatabase.engines)
    func assignment(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, alice) = try await s.makeUser("alice")
            let (_, bob) = try await s.makeUser("bob")
            let other = try await s.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            let carol = try await s.administration.createUser(organization: other, username: "carol", displayName: nil, password: "carol's password", actor: .cli)
            let token = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv([("T-1", Self.rfcSeed, 0)])),
                                                           organizationID: organization.id, actor: .cli, source: "csv")[0]
            await #expect(throws: TokenInventory.InventoryError.wrongOrganization("T-1")) {
                try await s.inventory.assign(token, to: carol, until: nil, actor: .cli)
            }
            try await s.inventory.assign(token, to: alice, until: nil, actor: .cli)
            await #expect(throws: TokenInventory.InventoryError.notAvailable("T-1")) {
                try await s.inventory.assign(token, to: bob, until: nil, actor: .cli)
            }
            #expect(try await s.factors.remove(userID: alice.id, factorID: try #require(try await s.signIn.confirmedFactors(userID: alice.id).first).id,
                                               confirmLast: true, ip: "x") == .notFound,
                    "a user cannot delete a token's factor; an admin takes the token back")
            try await s.inventory.unassign(try #require(try await s.repositories.tokens.find(id: token.id)), actor: .cli)
            #expect(try await s.signIn.confirmedFactors(userID: alice.id).isEmpty)
            try await s.inventory.setDisabled(try #require(try await s.repositories.tokens.find(id: token.id)), true, actor: .cli)
            await #expect(throws: TokenInventory.InventoryError.notAvailable("T-1")) {
                try await s.inventory.assign(token, to: bob, until: nil, actor: .cli)
            }
        }
    }

    @Test("Twenty admins assigning one token at once to twenty users: exactly one holds it, with one factor", arguments: TestDatabase.engines)
    func assignmentBurst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, first) = try await s.makeUser("user0")
            var users = [first]
            for index in 1..<20 { users.append(try await s.makeUser("user\(index)").1) }
            let token = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv([("T-1", Self.rfcSeed, 0)])),
                                                           organizationID: organization.id, actor: .cli, source: "csv")[0]
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for user in users {
                    group.addTask {
                        do {
                            _ = try await s.inventory.assign(token, to: user, until: nil, actor: .cli)
                            return true
                        } catch TokenInventory.InventoryError.notAvailable {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            var holders = 0
            for user in users { holders += try await s.signIn.confirmedFactors(userID: user.id).count }
            #expect(holders == 1, "one factor for the one holder; the refused assignments left nothing behind")
            #expect(try await s.repositories.tokens.find(id: token.id)?.state == .assigned)
        }
    }
}
