import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisTokenImport
import PortcullisStore
import PortcullisTestSupport
import SQLKit
import Testing

/// Every enrollment ends in `EnrollmentCompletion`, with one default rule (`FactorMethods`), and factor parameters are
/// typed: a bad stored value is refused, never a crash.
@Suite("Enrollment: one completion, one default rule, typed parameters — on SQLite and PostgreSQL")
struct EnrollmentTests {
    static let ip = "192.0.2.7"

    static func csv(_ serial: String) -> String {
        "serial,seed,digits,algorithm,counter\n\(serial),\(String(repeating: "3132333435", count: 4)),6,SHA1,0"
    }

    @Test("Taking a token back passes the default to a factor that may be one, never to the backup-only pattern", arguments: TestDatabase.engines)
    func tokenTakeBackDefault(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            let token = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv("TK-9")), organizationID: organization.id,
                                                           actor: .cli, source: "csv")[0]
            let hotp = try await s.inventory.assign(token, to: user, until: nil, actor: .cli)
            #expect(hotp.isDefault, "a first factor given by an admin becomes the default")
            s.clock.advance(by: 1)
            guard case .enrolled(let pattern) = try await s.factors.enrollPattern(user: user, pattern: "1-5-9-6", confirmation: "1-5-9-6", ip: Self.ip) else {
                Issue.record("pattern not enrolled"); return
            }
            #expect(!pattern.isDefault)
            s.clock.advance(by: 1)
            let totp = try await s.enrollTOTP(user)
            #expect(!totp.factor.isDefault, "the token stays the default")

            try await s.inventory.unassign(try #require(try await s.repositories.tokens.find(id: token.id)), actor: .cli)
            let factors = try await s.factors.list(userID: user.id)
            #expect(factors.filter(\.isDefault).map(\.id) == [totp.factor.id], "the authenticator app, not the older pattern, is the default now")
        }
    }

    @Test("Backup codes: a user's own first possession factor brings a first list; an admin's token assignment does not", arguments: TestDatabase.engines)
    func firstBackupCodes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, alice) = try await s.makeUser("alice")
            let (_, bob) = try await s.makeUser("bob")
            let enrolled = try await s.enrollTOTP(alice)
            #expect(enrolled.codes.count >= 5, "shown once, to the user who enrolled")
            #expect(enrolled.factor.isDefault)

            let token = try await s.inventory.importTokens(TokenImport.parseCSV(Self.csv("TK-8")), organizationID: organization.id,
                                                           actor: .cli, source: "csv")[0]
            try await s.inventory.assign(token, to: bob, until: nil, actor: .admin("admin-1"))
            let bobs = try await s.factors.list(userID: bob.id)
            #expect(bobs.map(\.type) == [.hotp], "no codes an admin could see")
            let events = try await s.repositories.audit.list(organizationID: organization.id, userID: bob.id, limit: 10)
            #expect(events.contains { $0.type == .tokenAssigned && $0.detail["factor_id"] == bobs.first?.id })
        }
    }

    @Test("A stored parameter out of range is refused as unreadable, is not counted as a guess, and never traps", arguments: TestDatabase.engines)
    func badStoredParameters(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (_, user) = try await s.makeUser()
            let (factor, secret, _) = try await s.enrollTOTP(user)
            try await db.sql.update("factors").set("parameters", to: #"{"algorithm":"SHA1","digits":"12","period":"30"}"#)
                .where("id", .equal, factor.id).run()
            let stored = try #require(try await s.factors.list(userID: user.id).first { $0.id == factor.id })
            #expect(throws: FactorParametersError("digits")) { try stored.parameters(as: TOTPParameters.self) }
            s.clock.advance(by: 60)
            let code = OneTimePassword.totp(secret: secret, at: s.clock.now)
            #expect(try await s.signIn.verifyFactor(userID: user.id, factorID: factor.id, response: .code(code), ip: Self.ip) == .rejected)
            #expect(try await s.repositories.users.find(id: user.id)?.failedFactorAttempts == 0)
            let events = try await s.repositories.audit.list(organizationID: user.organizationID, userID: user.id, limit: 5)
            #expect(events.contains { $0.reason == "unreadable_factor" })
        }
    }

    @Test("Typed parameters round-trip through the stored string map, and old rows without values read the defaults")
    func parametersRoundTrip() throws {
        var factor = Factor(id: "f", userID: "u", type: .totp, label: "x", createdAt: Date())
        try factor.setParameters(TOTPParameters(algorithm: .sha256, digits: 8, period: 60))
        #expect(factor.parameters == ["algorithm": "SHA256", "digits": "8", "period": "60"])
        #expect(try factor.parameters(as: TOTPParameters.self) == TOTPParameters(algorithm: .sha256, digits: 8, period: 60))
        factor.parameters = [:]
        #expect(try factor.parameters(as: TOTPParameters.self) == TOTPParameters(algorithm: .sha1, digits: 6, period: 30))
        factor.parameters = ["algorithm": "MD5"]
        #expect(throws: FactorParametersError("algorithm")) { try factor.parameters(as: TOTPParameters.self) }
        factor.parameters = ["grid": "9"]
        #expect(throws: FactorParametersError("grid")) { try factor.parameters(as: PatternParameters.self) }
        factor.parameters = ["token_id": "t"]
        #expect(throws: FactorParametersError("serial")) { try factor.parameters(as: HOTPParameters.self) }
    }
}
