import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing

@Suite("Groups, the MFA requirement's union, and each organization's own policy")
struct GroupAndPolicyTests {
    @Test("A group that requires two-factor makes its members Pending; the requirement is user ∪ groups ∪ everyone", arguments: TestDatabase.engines)
    func groupRequirement(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (organization, alice) = try await s.makeUser("alice")
            let (_, bob) = try await s.makeUser("bob")
            let scope = AdminScope(actor: .cli, organizationID: organization.id)
            #expect(try await s.signIn.nextStep(for: alice) == .enroll(required: false))

            let accounting = try await s.app.groups.create(organizationID: organization.id, name: "Accounting", mfaRequired: false, scope: scope)
            await #expect(throws: GroupAdministration.GroupError.nameTaken("accounting")) {
                _ = try await s.app.groups.create(organizationID: organization.id, name: "accounting", mfaRequired: false, scope: scope)
            }
            #expect(try await s.app.groups.addMember(accounting, user: alice, scope: scope))
            #expect(try await s.app.groups.addMember(accounting, user: alice, scope: scope) == false)
            #expect(try await s.signIn.nextStep(for: alice) == .enroll(required: false))

            let requiring = try await s.app.groups.update(accounting, mfaRequired: true, scope: scope)
            #expect(try await s.signIn.nextStep(for: alice) == .enroll(required: true))
            #expect(try await s.factors.mfaState(of: alice) == .pending)
            #expect(try await s.app.users.status(of: alice).requirement == MFARequirement(byGroups: ["Accounting"]))
            #expect(try await s.factors.mfaState(of: bob) == .none)

            // Renamed, the reason follows; removed from the group, alice is back to No.
            _ = try await s.app.groups.update(requiring, name: "Finance", scope: scope)
            #expect(try await s.app.users.status(of: alice).requirement.byGroups == ["Finance"])
            #expect(try await s.app.groups.removeMember(requiring, user: alice, scope: scope))
            #expect(try await s.factors.mfaState(of: alice) == .none)

            // Everyone, by the organization's policy.
            var policy = organization.policy
            policy.mfaRequiredForEveryone = true
            try await s.administration.setPolicy(organization, policy, actor: .cli)
            #expect(try await s.signIn.nextStep(for: bob) == .enroll(required: true))
            #expect(try await s.app.users.status(of: bob).requirement == MFARequirement(byOrganization: true))

            // Each change is audited with the acting scope.
            let types = try await s.repositories.audit.list(organizationID: organization.id, userID: nil, limit: 100).map(\.type)
            for type in [AuditEventType.groupCreated, .groupMemberAdded, .groupUpdated, .groupMemberRemoved, .organizationUpdated] {
                #expect(types.contains(type), "\(type)")
            }
            try await s.app.groups.delete(requiring, scope: scope)
            #expect(try await s.app.groups.list(organizationID: organization.id, scope: scope).isEmpty)
        }
    }

    @Test("Another organization's groups and users are not found through an organization's scope", arguments: TestDatabase.engines)
    func scopes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (acme, alice) = try await s.makeUser("alice")
            let other = try await s.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            let mallory = try await s.administration.createUser(organization: other, username: "mallory", displayName: nil,
                                                                password: "a long enough password", isAdmin: true, actor: .cli)
            let theirs = AdminScope.administrator(mallory)
            let group = try await s.app.groups.create(organizationID: acme.id, name: "Staff", mfaRequired: false, scope: .cli)
            await #expect(throws: UserAdministration.UserAdministrationError.notFound) { _ = try await s.app.users.user(id: alice.id, scope: theirs) }
            await #expect(throws: GroupAdministration.GroupError.notFound) { _ = try await s.app.groups.group(id: group.id, scope: theirs) }
            await #expect(throws: GroupAdministration.GroupError.notFound) {
                _ = try await s.app.groups.create(organizationID: acme.id, name: "Theirs", mfaRequired: false, scope: theirs)
            }
            await #expect(throws: GroupAdministration.GroupError.otherOrganization) {
                _ = try await s.app.groups.addMember(group, user: mallory, scope: .cli)
            }
            #expect(try await s.app.groups.list(organizationID: acme.id, scope: theirs).isEmpty)
            #expect(try await s.app.users.search(UserQuery(organizationID: acme.id), scope: theirs).users.isEmpty)
            await #expect(throws: AccountAdministration.AdministrationError.self) { _ = try await s.administration.organization(id: acme.id, scope: theirs) }
            #expect(try await s.app.users.user(id: alice.id, scope: .administrator(try #require(try await s.repositories.users.find(id: alice.id)))).id == alice.id)
        }
    }

    @Test("Each organization's lockout threshold, and settings it never saved follow the server's", arguments: TestDatabase.engines)
    func perOrganizationLockout(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            var server = SecurityPolicy()
            server.lockoutThreshold = 4
            let s = try TestServices(database: db, policy: server)
            let (acme, alice) = try await s.makeUser("alice")
            #expect(acme.policy.lockoutThreshold == 4, "a new organization starts with the server's settings")
            var strict = acme.policy
            strict.lockoutThreshold = 2
            try await s.administration.setPolicy(acme, strict, actor: .cli)
            let organization = try #require(try await s.repositories.organizations.find(id: acme.id))
            for _ in 0..<2 { _ = try await s.signIn.verifyPassword(organization: organization, username: "alice", password: "wrong", ip: "192.0.2.1") }
            #expect(try await s.repositories.users.find(id: alice.id)?.isLocked(at: s.clock.now) == true)

            // An organization stored before policies existed (no settings saved) follows the server's configuration.
            try await db.sql.raw("UPDATE organizations SET settings = '{}' WHERE id = \(bind: acme.id)").run()
            #expect(try await s.app.directory.organization(id: acme.id)?.policy.lockoutThreshold == 4)
            #expect(try await s.app.directory.organization(id: acme.id)?.policy.timeZone == "UTC")
        }
    }

    @Test("A factor type turned off is refused at enrollment; its holders are asked to replace it; invalid policies are refused", arguments: TestDatabase.engines)
    func allowedTypes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let s = try TestServices(database: db)
            let (acme, alice) = try await s.makeUser("alice")
            let (_, _, _) = try await s.enrollTOTP(alice)
            var policy = acme.policy
            policy.allowedFactorTypes = [.sms, .email, .webauthn]
            try await s.administration.setPolicy(acme, policy, actor: .cli)
            let (_, bob) = try await s.makeUser("bob")
            await #expect(throws: EnrollmentCompletion.Refusal.typeNotAllowed(.totp)) { _ = try await s.enrollTOTP(bob) }
            let methods = try await s.context.forOrganization(id: acme.id).methods
            #expect(methods.allowsEnrollment(.totp) == false && methods.allowsEnrollment(.sms))
            #expect(methods.needsReplacement(try await s.factors.list(userID: alice.id)))
            // The old factor still verifies (once more, to get to enrolling another).
            guard case .challenge(let factor) = try await s.signIn.nextStep(for: alice) else { Issue.record("no challenge"); return }
            #expect(factor.type == .totp)

            policy.allowedFactorTypes = [.pattern, .backupCodes]
            await #expect(throws: OrganizationPolicy.PolicyError.noPossessionFactorType) { try await s.administration.setPolicy(acme, policy, actor: .cli) }
            policy = acme.policy
            policy.lockoutThreshold = 0
            await #expect(throws: OrganizationPolicy.PolicyError.outOfRange(setting: "lockoutThreshold", minimum: 1, maximum: 100)) {
                try await s.administration.setPolicy(acme, policy, actor: .cli)
            }
            policy = acme.policy
            policy.timeZone = "Mars/Olympus"
            await #expect(throws: OrganizationPolicy.PolicyError.unknownTimeZone("Mars/Olympus")) { try await s.administration.setPolicy(acme, policy, actor: .cli) }
        }
    }
}
