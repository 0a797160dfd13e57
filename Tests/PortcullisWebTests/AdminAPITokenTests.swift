import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Admin API: hardware tokens, and what an organization key may see, on SQLite and PostgreSQL")
struct AdminAPITokenTests {
    static let seeds = ["3132333435363738393031323334353637383930", "3132333435363738393031323334353637383931",
                        "3132333435363738393031323334353637383932"]

    static func csv(_ serials: [String]) -> String {
        "serial,seed,digits,algorithm,counter\n" + zip(serials, seeds).map { "\($0),\($1),6,SHA1,0\n" }.joined()
    }

    @Test("Import, list with paging and filters, read, assign, lend, unassign, resync: each succeeds and is refused as documented",
          arguments: TestDatabase.engines)
    func tokens(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let alice = try await test.createUser("alice", password: "correct horse battery")
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                // Import: all or nothing, audited with the key as the actor.
                let imported = try await api.post("/tokens/import", ["format": "csv", "content": Self.csv(["T-1", "T-2"])])
                #expect(imported.status == .created && imported.items.count == 2)
                #expect(imported.items.allSatisfy { $0["state"] as? String == "available" && $0["pool"] as? Bool == false })
                #expect(try await test.events(.tokensImported).contains { $0.actor == .apiClient(key.id) })
                let again = try await api.post("/tokens/import", ["format": "csv", "content": Self.csv(["T-3", "T-1"])])
                #expect(again.status == .conflict && again.code == "token.duplicate_serial")
                let broken = try await api.post("/tokens/import", ["format": "csv", "content": "serial,seed\nT-9,not hex\n"])
                #expect(broken.status == .unprocessableContent && broken.code == "token.import_failed")
                let noKey = try await api.post("/tokens/import", ["format": "pskc", "content": "<x/>", "preSharedKey": "abc"])
                #expect(noKey.status == .badRequest && noKey.code == "api.invalid_parameter")

                // List: newest first, one per page with a cursor; by serial and state.
                let first = try await api.get("/tokens?limit=1")
                let next = try #require(first.object["next"] as? String)
                let second = try await api.get("/tokens?limit=1&cursor=" + next)
                #expect(first.items.count == 1 && second.items.count == 1 && second.object["next"] == nil)
                #expect(Set((first.items + second.items).compactMap { $0["serial"] as? String }) == ["T-1", "T-2"])
                let one = try await api.get("/tokens?serial=T-1")
                let id = try #require(one.items.first?["id"] as? String)
                #expect(one.items.count == 1)
                #expect(try await api.get("/tokens?state=lent").items.isEmpty)

                // Read; an unknown id answers 404.
                #expect(try await api.get("/tokens/" + id).object["serial"] as? String == "T-1")
                #expect(try await api.get("/tokens/no-such-token").status == .notFound)

                // Assign for good; assigning a held token again is a conflict.
                let assigned = try await api.post("/tokens/\(id)/assign", ["userId": alice.id])
                #expect(assigned.status == .ok && assigned.object["state"] as? String == "assigned" && assigned.object["userId"] as? String == alice.id)
                #expect(try await test.app.factors.list(userID: alice.id).contains { $0.type == .hotp })
                #expect(try await test.events(.tokenAssigned).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/tokens/\(id)/assign", ["userId": alice.id]).status == .conflict)
                // Unassign; a token nobody holds cannot be taken back.
                let returned = try await api.post("/tokens/\(id)/unassign")
                #expect(returned.status == .ok && returned.object["state"] as? String == "available" && returned.object["userId"] == nil)
                #expect(try await api.post("/tokens/\(id)/unassign").code == "token.not_held")
                // Lend until a time to come; a time gone by is refused.
                let past = ISO8601DateFormatter().string(from: test.clock.now.addingTimeInterval(-60))
                let late = try await api.post("/tokens/\(id)/assign", ["userId": alice.id, "until": past])
                #expect(late.status == .unprocessableContent && late.code == "api.invalid_value")
                // Any RFC 3339 form is read (here with fractional seconds); times are written without them.
                let due = test.clock.now.addingTimeInterval(3600)
                let fractional = ISO8601DateFormatter()
                fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                let lent = try await api.post("/tokens/\(id)/assign", ["userId": alice.id, "until": fractional.string(from: due)])
                #expect(lent.status == .ok && lent.object["state"] as? String == "lent")
                #expect(lent.object["dueAt"] as? String == ISO8601DateFormatter().string(from: due))
                #expect(try await test.events(.tokenLent).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/tokens/\(id)/unassign").status == .ok)

                // Resync with two consecutive codes far ahead; codes out of step are refused.
                let seed = try #require(Hex.decode(Self.seeds[0]))
                let codes = (40...41).map { OneTimePassword.hotp(secret: seed, counter: UInt64($0)) }
                let resynced = try await api.post("/tokens/\(id)/resync", ["code1": codes[0], "code2": codes[1]])
                #expect(resynced.status == .ok && resynced.object["counter"] as? Int == 42)
                let mismatch = try await api.post("/tokens/\(id)/resync", ["code1": codes[1], "code2": codes[0]])
                #expect(mismatch.status == .unprocessableContent && mismatch.code == "token.resync_failed")
                let malformed = try await api.post("/tokens/\(id)/resync", ["code1": "12", "code2": "x"])
                #expect(malformed.status == .badRequest)
            }
        }
    }

    @Test("An organization key gets 404 for another organization's tokens and users and 403 for the spare pool; an operator key sees all",
          arguments: TestDatabase.engines)
    func organizations(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let acme = try await test.app.administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
            let bob = try await test.app.administration.createUser(organization: acme, username: "bob", displayName: nil,
                                                                   password: "correct horse battery", actor: .cli)
            let alice = try await test.createUser("alice", password: "correct horse battery")
            let (_, own) = try await test.adminKey()
            let (_, operatorKey) = try await test.adminKey(operatorWide: true)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: own)
                let ops = AdminAPIClient(browser: browser, key: operatorKey)
                let theirs = try await ops.post("/tokens/import?org=acme", ["format": "csv", "content": Self.csv(["A-1"])])
                let pool = try await ops.post("/tokens/import", ["format": "csv", "content": Self.csv(["P-1", "P-2"]), "pool": true])
                #expect(theirs.status == .created && pool.status == .created && pool.items.first?["pool"] as? Bool == true)
                let theirID = try #require(theirs.items.first?["id"] as? String)
                let poolID = try #require(pool.items.first?["id"] as? String)

                // Another organization's token, by id in the path or by user id in the body: as if it did not exist.
                for path in ["/tokens/\(theirID)", "/tokens/\(poolID)"] {
                    #expect(try await api.get(path).status == .notFound, "\(path)")
                    #expect(try await api.post(path + "/unassign").status == .notFound)
                    #expect(try await api.post(path + "/resync", ["code1": "123456", "code2": "654321"]).status == .notFound)
                    #expect(try await api.post(path + "/assign", ["userId": alice.id]).status == .notFound)
                }
                #expect(try await api.get("/users/\(bob.id)").status == .notFound)
                #expect(try await api.get("/users/\(bob.id)/factors").status == .notFound)
                #expect(try await api.post("/users/\(bob.id)/unlock").status == .notFound)
                #expect(try await api.post("/users/\(bob.id)/temporary-password").status == .notFound)
                #expect(try await api.call(.patch, "/users/\(bob.id)", ["requireMFA": true]).status == .notFound)
                let ownToken = try await api.post("/tokens/import", ["format": "csv", "content": Self.csv(["D-1"])])
                let ownID = try #require(ownToken.items.first?["id"] as? String)
                #expect(try await api.post("/tokens/\(ownID)/assign", ["userId": bob.id]).status == .notFound)
                // Naming another organization, or the pool: 403; its own slug is fine.
                #expect(try await api.get("/tokens?org=acme").status == .forbidden)
                #expect(try await api.get("/tokens?pool=true").status == .forbidden)
                #expect(try await api.post("/tokens/import", ["format": "csv", "content": Self.csv(["D-9"]), "pool": true]).status == .forbidden)
                #expect(try await api.get("/users?org=acme").code == "api.forbidden")
                #expect(try await api.get("/tokens?org=default").items.map { $0["serial"] as? String } == ["D-1"])

                // The operator key sees every organization and the pool, and lends a spare token to anyone.
                #expect(try await ops.get("/tokens?org=acme").items.count == 1)
                #expect(try await ops.get("/tokens?pool=true").items.count == 2)
                #expect(try await ops.get("/users?org=nowhere").code == "organization.not_found")
                #expect(try await ops.post("/tokens/\(poolID)/assign", ["userId": bob.id]).status == .ok)
                #expect(try await ops.post("/tokens/\(theirID)/assign", ["userId": alice.id]).code == "token.wrong_organization")
            }
        }
    }
}
