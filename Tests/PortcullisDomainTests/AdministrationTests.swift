import Foundation
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import PortcullisTokenImport
import Testing

@Suite("Administration through the services: typed actors, each change with its audit event in one transaction")
struct AdministrationTests {
    func events(_ s: TestServices, _ type: AuditEventType) async throws -> [AuditEvent] {
        try await s.repositories.audit.list(organizationID: nil, userID: nil, limit: 500).filter { $0.type == type }
    }

    @Test("Every change records who made it: CLI, admin, user, API client, system, or an anonymous attempt", arguments: TestDatabase.engines)
    func actors(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, user) = try await s.makeUser()
            #expect(try await events(s, .userCreated).first?.actor == .cli)

            let boss = try await s.administration.createUser(organization: organization, username: "boss", displayName: nil,
                                                             password: "boss's long password", isAdmin: true, actor: .cli)
            try await s.administration.setRoles(user: user, isAdmin: false, isOperator: true, actor: .admin(boss.id))
            #expect(try await s.repositories.users.find(id: user.id)?.isOperator == true)
            let roles = try #require(try await events(s, .rolesChanged).first)
            #expect(roles.actor == .admin(boss.id) && roles.userID == user.id && roles.detail["operator"] == "true")

            var settings = organization.policy
            settings.timeZone = "Europe/Berlin"
            try await s.administration.setPolicy(organization, settings, actor: .cli)
            #expect(try await s.repositories.organizations.find(id: organization.id)?.policy.timeZone == "Europe/Berlin")
            let configured = try #require(try await events(s, .organizationUpdated).first)
            #expect(configured.actor == .cli && configured.detail["changed"] == "timeZone")

            // Sign-in attempts: the user for a known name, anonymous for an unknown one.
            _ = try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "wrong", ip: "192.0.2.9")
            _ = try await s.signIn.verifyPassword(organization: organization, username: "nobody", password: "wrong", ip: "192.0.2.9")
            let failures = try await events(s, .signInFailed)
            #expect(Set(failures.compactMap(\.actor)) == [.user(user.id), .anonymous])

            let (key, _) = try await s.app.apiKeys.create(organization: organization, name: "vpn", actor: .admin(boss.id))
            #expect(try await events(s, .apiKeyCreated).first?.actor == .admin(boss.id))
            _ = try await s.app.apiKeys.revoke(id: key.id, organization: organization, actor: .cli)
            #expect(try await events(s, .apiKeyRevoked).first?.actor == .cli)

            // The stored form reads back; an unknown one is not guessed at.
            for actor: AuditActor in [.user("u1"), .admin("a1"), .apiClient("k1"), .anonymous, .cli, .system] {
                #expect(AuditActor(stored: actor.stored) == actor)
            }
            #expect(AuditActor(stored: "root") == nil)
        }
    }

    @Test("A transaction commits a change with its event or neither; nested statements share it", arguments: TestDatabase.engines)
    func atomicity(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, _) = try await s.makeUser()
            struct Abort: Error {}
            let doomed = Organization(id: "doomed", slug: "doomed", name: "Doomed", createdAt: s.clock.now)
            await #expect(throws: Abort.self) {
                try await s.repositories.atomically { r in
                    try await r.organizations.insert(doomed)
                    try await r.audit.append(AuditEvent(id: "e-doomed", organizationID: doomed.id, userID: nil, actor: .cli,
                                                        type: .organizationCreated, createdAt: s.clock.now))
                    throw Abort()
                }
            }
            #expect(try await s.repositories.organizations.find(slug: "doomed") == nil)
            #expect(try await events(s, .organizationCreated).allSatisfy { $0.id != "e-doomed" })

            // An import that conflicts half-way leaves no token and no event behind (the token insert runs its own
            // all-or-nothing statement inside the same transaction).
            let csv = "S-1,3132333435363738393031323334353637383930,6,SHA1,0"
            _ = try await s.inventory.importTokens(TokenImport.parseCSV(csv), organizationID: organization.id, actor: .cli, source: "csv")
            let both = "S-2,3132333435363738393031323334353637383930,6,SHA1,0\nS-1,3132333435363738393031323334353637383930,6,SHA1,0"
            await #expect(throws: TokenInventory.InventoryError.self) {
                _ = try await s.inventory.importTokens(TokenImport.parseCSV(both), organizationID: organization.id, actor: .cli, source: "csv")
            }
            #expect(try await s.repositories.tokens.find(serial: "S-2") == nil)
            #expect(try await events(s, .tokensImported).count == 1)

            // Fifty concurrent role changes and unlocks: every one commits with its own event, none is lost.
            let user = try #require(try await s.repositories.users.find(organizationID: organization.id, username: "alice"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        if i.isMultiple(of: 2) {
                            try await s.administration.setRoles(user: user, isAdmin: i.isMultiple(of: 4), isOperator: false, actor: .cli)
                        } else {
                            try await s.administration.unlock(user: user, actor: .admin("a\(i)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await events(s, .rolesChanged).count == 25)
            #expect(try await events(s, .accountUnlocked).count == 25)
        }
    }

    @Test("The first start's administrator is also the operator; a second start creates nobody", arguments: TestDatabase.engines)
    func bootstrap(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let created = try #require(try await s.administration.bootstrap())
            let admin = try await s.administration.user(slug: Organization.defaultSlug, username: created.username)
            #expect(admin.isAdmin && admin.isOperator && admin.mfaRequired)
            #expect(try await events(s, .userCreated).first?.actor == .system)
            #expect(try await s.administration.bootstrap() == nil)
        }
    }
}
