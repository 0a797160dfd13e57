import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing

@Suite("An administrator's actions on users: search and filters, edits, disable, delete, lock, sessions, temporary password, lost phone")
struct UserAdministrationTests {
    @Test("Search by text and filter by MFA status, lock, disabled and group, paged by username", arguments: TestDatabase.engines)
    func search(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (acme, alice) = try await s.makeUser("alice")
            let (_, bob) = try await s.makeUser("bob", mfaRequired: true)
            let (_, carol) = try await s.makeUser("carol")
            let (_, dave) = try await s.makeUser("dave")
            _ = try await s.enrollTOTP(alice)
            let scope = AdminScope.cli
            _ = try await s.app.users.update(carol, displayName: "Carol 100%_Done", email: "Carol@Example.org", phone: "+44 20 7946 0958", scope: scope)
            try await s.app.users.setDisabled(dave, true, scope: scope)
            try await s.app.users.lock(bob, scope: scope)
            let group = try await s.app.groups.create(organizationID: acme.id, name: "Ops", mfaRequired: true, scope: scope)
            try await s.app.groups.addMember(group, user: carol, scope: scope)

            func names(_ query: UserQuery) async throws -> [String] {
                try await s.app.users.search(query, scope: scope).users.map(\.user.username)
            }
            var q = UserQuery(organizationID: acme.id)
            #expect(try await names(q) == ["alice", "bob", "carol", "dave"])
            q.text = "EXAMPLE.ORG"; #expect(try await names(q) == ["carol"])
            q.text = "100%_"; #expect(try await names(q) == ["carol"])
            q.text = "a_"; #expect(try await names(q).isEmpty, "_ and % are matched literally")
            q.text = nil
            q.mfa = .enabled; #expect(try await names(q) == ["alice"])
            q.mfa = .pending; #expect(try await names(q) == ["bob", "carol"])
            q.mfa = MFAState.none; #expect(try await names(q) == ["dave"])
            q.mfa = nil
            q.locked = true; #expect(try await names(q) == ["bob"])
            q.locked = nil; q.disabled = true; #expect(try await names(q) == ["dave"])
            q.disabled = nil; q.groupID = group.id; #expect(try await names(q) == ["carol"])

            let page1 = try await s.app.users.search(UserQuery(organizationID: acme.id, limit: 3), scope: scope)
            #expect(page1.users.map(\.user.username) == ["alice", "bob", "carol"] && page1.next == "carol")
            let page2 = try await s.app.users.search(UserQuery(organizationID: acme.id, after: page1.next, limit: 3), scope: scope)
            #expect(page2.users.map(\.user.username) == ["dave"] && page2.next == nil)
            let carolRow = try #require(page1.users.first { $0.user.username == "carol" })
            #expect(carolRow.state == .pending && carolRow.requirement.byGroups == ["Ops"])
            #expect(carolRow.user.email == "carol@example.org" && carolRow.user.phone == "+442079460958")
        }
    }

    @Test("Disable ends sessions; delete keeps the audit trail; temporary password must be changed; lost phone sends a required user back to Pending",
          arguments: TestDatabase.engines)
    func actions(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (acme, alice) = try await s.makeUser("alice", mfaRequired: true)
            let admin = try await s.administration.createUser(organization: acme, username: "boss", displayName: nil,
                                                              password: "a long enough password", isAdmin: true, actor: .cli)
            let scope = AdminScope.administrator(admin)
            _ = try await s.enrollTOTP(alice)
            _ = try await s.sessions.start(user: alice, stage: .signedIn, amr: ["pwd"])
            try await s.app.users.setDisabled(alice, true, scope: scope)
            #expect(try await s.repositories.users.find(id: alice.id)?.disabled == true)
            await #expect(throws: UserAdministration.UserAdministrationError.ownAccount) { try await s.app.users.setDisabled(admin, true, scope: scope) }
            try await s.app.users.setDisabled(alice, false, scope: scope)

            let temporary = try await s.app.users.setTemporaryPassword(alice, password: nil, scope: scope)
            #expect(temporary.count == 20)
            #expect(try await s.repositories.users.find(id: alice.id)?.mustChangePassword == true)
            guard case .success = try await s.signIn.verifyPassword(organization: acme, username: "alice", password: temporary, ip: "192.0.2.1") else {
                Issue.record("the temporary password signs in"); return
            }

            // Lost phone: every factor goes, and a required user is Pending again.
            #expect(try await s.factors.mfaState(of: alice) == .enabled)
            try await s.app.users.removeAllFactors(alice, scope: scope)
            #expect(try await s.factors.list(userID: alice.id).isEmpty)
            #expect(try await s.factors.mfaState(of: alice) == .pending)
            let removed = try await s.repositories.audit.list(organizationID: acme.id, userID: alice.id, limit: 100).filter { $0.type == .factorRemoved }
            #expect(!removed.isEmpty && removed.allSatisfy { $0.actor == .admin(admin.id) })

            try await s.app.users.delete(alice, scope: scope)
            #expect(try await s.repositories.users.find(id: alice.id) == nil)
            let trail = try await s.repositories.audit.list(organizationID: acme.id, userID: alice.id, limit: 100)
            #expect(trail.contains { $0.type == .userDeleted && $0.detail["username"] == "alice" && $0.actor == .admin(admin.id) })
            #expect(trail.contains { $0.type == .userCreated })
        }
    }
}
