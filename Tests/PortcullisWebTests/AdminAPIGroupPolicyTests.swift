import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Admin API: groups and members, the organization's policy, and another organization's, on SQLite and PostgreSQL")
struct AdminAPIGroupPolicyTests {
    let password = "correct horse battery"

    @Test("Create, list with paging, read, rename, require MFA, members, delete: each succeeds and is refused as documented",
          arguments: TestDatabase.engines)
    func groups(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let alice = try await test.createUser("alice", password: password)
            let bob = try await test.createUser("bob", password: password)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                // Create; names are unique regardless of case; audited with the key.
                let created = try await api.post("/groups", ["name": "Accounting"])
                #expect(created.status == .created && created.object["requireMFA"] as? Bool == false && created.object["memberCount"] as? Int == 0)
                let id = try #require(created.object["id"] as? String)
                #expect(try await test.events(.groupCreated).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/groups", ["name": "accounting"]).code == "group.name_taken")
                #expect(try await api.post("/groups", ["name": "   "]).code == "group.invalid_name")
                #expect(try await api.post("/groups", ["name": ""]).status == .badRequest)
                #expect(try await api.post("/groups", ["name": "Zeta", "requireMFA": true]).object["requireMFA"] as? Bool == true)
                #expect(try await api.post("/groups", ["name": "Sales"]).status == .created)

                // List by name, paged.
                let first = try await api.get("/groups?limit=2")
                let second = try await api.get("/groups?limit=2&cursor=" + (first.object["next"] as? String ?? ""))
                #expect((first.items + second.items).compactMap { $0["name"] as? String } == ["Accounting", "Sales", "Zeta"])
                #expect(second.object["next"] == nil)
                #expect(try await api.get("/groups?cursor=%21").code == "api.invalid_cursor")

                // Members: add (twice is fine), list with their status, remove; a member of a requiring group is pending.
                #expect(try await api.call(.put, "/groups/\(id)/members/\(alice.id)").status == .noContent)
                #expect(try await api.call(.put, "/groups/\(id)/members/\(alice.id)").status == .noContent)
                #expect(try await api.call(.put, "/groups/\(id)/members/\(bob.id)").status == .noContent)
                #expect(try await test.events(.groupMemberAdded).filter { $0.actor == .apiClient(key.id) }.count == 2)
                #expect(try await api.call(.put, "/groups/\(id)/members/nobody").code == "user.not_found_by_id")
                let members = try await api.get("/groups/\(id)/members?limit=1")
                let more = try await api.get("/groups/\(id)/members?limit=1&cursor=" + (members.object["next"] as? String ?? ""))
                #expect((members.items + more.items).compactMap { $0["username"] as? String } == ["alice", "bob"] && more.object["next"] == nil)
                #expect(try await api.get("/groups/\(id)").object["memberCount"] as? Int == 2)

                // Rename and require two-factor: the members are pending, required by the group.
                let changed = try await api.call(.patch, "/groups/" + id, ["name": "Accounts", "requireMFA": true])
                #expect(changed.status == .ok && changed.object["name"] as? String == "Accounts" && changed.object["requireMFA"] as? Bool == true)
                #expect(try await test.events(.groupUpdated).contains { $0.actor == .apiClient(key.id) })
                let member = try #require(try await api.get("/groups/\(id)/members").items.first)
                #expect(member["mfaStatus"] as? String == "pending")
                #expect(member["mfaRequiredBy"] as? [[String: String]] == [["kind": "group", "groupId": id, "groupName": "Accounts"]])
                #expect(try await api.call(.patch, "/groups/" + id, ["name": "Sales"]).code == "group.name_taken")
                #expect(try await api.call(.patch, "/groups/" + id, [String: Any]()).status == .badRequest)
                #expect(try await api.call(.patch, "/groups/nothing", ["name": "X"]).code == "group.not_found")

                #expect(try await api.call(.delete, "/groups/\(id)/members/\(bob.id)").status == .noContent)
                #expect(try await api.call(.delete, "/groups/\(id)/members/\(bob.id)").status == .noContent, "not a member: nothing to do")
                #expect(try await test.events(.groupMemberRemoved).contains { $0.actor == .apiClient(key.id) && $0.userID == bob.id })
                #expect(try await api.get("/groups/\(id)/members").items.compactMap { $0["username"] as? String } == ["alice"])

                // Delete: the members stay, the group is gone.
                #expect(try await api.call(.delete, "/groups/" + id).status == .noContent)
                #expect(try await test.events(.groupDeleted).contains { $0.actor == .apiClient(key.id) })
                for (method, path) in [(HTTPRequest.Method.get, "/groups/\(id)"), (.delete, "/groups/\(id)"), (.get, "/groups/\(id)/members"),
                                       (.put, "/groups/\(id)/members/\(alice.id)")] {
                    #expect(try await api.call(method, path).code == "group.not_found", "\(method) \(path)")
                }
                #expect(try await api.get("/users/" + alice.id).object["mfaStatus"] as? String == "none")
            }
        }
    }

    @Test("Read the policy; a change merges over it, is audited, and takes effect; values it cannot use answer 422 with the page's sentence",
          arguments: TestDatabase.engines)
    func policy(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let alice = try await test.createUser("alice", password: password)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                let read = try await api.get("/policy")
                #expect(read.status == .ok)
                let policy = read.object
                #expect(policy["recommendedFactorCount"] as? Int == 2 && policy["mfaRequiredForEveryone"] as? Bool == false)
                #expect((policy["lockout"] as? [String: Int]) == ["threshold": 5, "minutes": 30, "escalation": 2, "maxMinutes": 1440, "failureCap": 100])
                #expect((policy["defaultFactorTypes"] as? [String])?.contains("pattern") == false)
                #expect((policy["defaultFactorTypes"] as? [String])?.contains("totp") == true)
                #expect(policy["webAuthnUserVerification"] as? String == "preferred" && policy["inboundSMSEnabled"] as? Bool == false)

                // A change: only the members given, nested ones too.
                let changed = try await api.call(.patch, "/policy", [
                    "allowedFactorTypes": ["totp", "webauthn", "backup_codes"], "defaultFactorTypes": ["totp", "webauthn", "pattern"],
                    "lockout": ["threshold": 7], "messageCodes": ["sendLimits": ["perOrganizationDay": 500]],
                    "totp": ["algorithm": "SHA256", "digits": 8], "webAuthnUserVerification": "required", "mfaRequiredForEveryone": true,
                    "blockedEmailDomains": ["Example.COM"], "inboundSMSNumber": "+1 500 555 0006", "inboundSMSEnabled": true,
                    "timeZone": "Europe/Berlin",
                ] as [String: Any])
                #expect(changed.status == .ok, "\(changed.body)")
                let now = changed.object
                #expect(now["allowedFactorTypes"] as? [String] == ["totp", "webauthn", "backup_codes"])
                #expect(now["defaultFactorTypes"] as? [String] == ["totp", "webauthn", "pattern"])
                #expect((now["lockout"] as? [String: Int]) == ["threshold": 7, "minutes": 30, "escalation": 2, "maxMinutes": 1440, "failureCap": 100])
                let codes = try #require(now["messageCodes"] as? [String: Any])
                #expect((codes["sendLimits"] as? [String: Int])?["perOrganizationDay"] == 500 && (codes["sendLimits"] as? [String: Int])?["perUserHour"] == 5)
                #expect((now["totp"] as? [String: Any])?["algorithm"] as? String == "SHA256" && (now["totp"] as? [String: Any])?["periodSeconds"] as? Int == 30)
                #expect(now["blockedEmailDomains"] as? [String] == ["example.com"] && now["inboundSMSNumber"] as? String == "+15005550006")
                #expect(now["timeZone"] as? String == "Europe/Berlin" && now["recommendedFactorCount"] as? Int == 2)
                #expect(try await api.get("/policy").object["lockout"] as? [String: Int] == now["lockout"] as? [String: Int])
                let stored = try await test.app.administration.organization(slug: Organization.defaultSlug).policy
                #expect(stored.lockoutThreshold == 7 && stored.totp.digits == 8 && stored.mfaRequiredForEveryone && stored.inboundSMSActive)
                #expect(!stored.backupOnlyFactorTypes.contains(.pattern) && stored.backupOnlyFactorTypes.contains(.sms))
                #expect(try await test.events(.organizationUpdated).contains { $0.actor == .apiClient(key.id) })
                // It takes effect: everyone must use two-factor now.
                #expect(try await api.get("/users/" + alice.id).object["mfaRequiredBy"] as? [[String: String]] == [["kind": "organization"]])
                // An empty number removes it and turns inbound SMS off.
                let removed = try await api.call(.patch, "/policy", ["inboundSMSNumber": ""])
                #expect(removed.object["inboundSMSNumber"] == nil && removed.object["inboundSMSEnabled"] as? Bool == false)

                // Refusals: the policy page's sentences, nothing changed.
                let outOfRange = try await api.call(.patch, "/policy", ["lockout": ["minutes": 99_999_999_999], "passkeySignIn": false] as [String: Any])
                #expect(outOfRange.status == .unprocessableContent && outOfRange.code == "policy.out_of_range" && outOfRange.isProblem)
                #expect((outOfRange.object["detail"] as? String)?.contains("between 1 and 10080") == true)
                #expect(try await api.call(.patch, "/policy", ["totp": ["periodSeconds": 10]]).code == "policy.out_of_range")
                #expect(try await api.call(.patch, "/policy", ["timeZone": "Mars/Olympus"]).code == "policy.unknown_time_zone")
                #expect(try await api.call(.patch, "/policy", ["blockedEmailDomains": ["not a domain"]]).code == "policy.invalid_email_domain")
                #expect(try await api.call(.patch, "/policy", ["inboundSMSNumber": "call me"]).code == "policy.invalid_inbound_number")
                #expect(try await api.call(.patch, "/policy", ["allowedFactorTypes": ["pattern", "backup_codes"]]).code == "policy.no_possession_factor")
                #expect(try await api.call(.patch, "/policy", ["inboundSMSEnabled": true]).code == "api.invalid_value")
                #expect(try await api.call(.patch, "/policy", ["defaultFactorTypes": ["backup_codes"]]).code == "api.invalid_value")
                #expect(try await api.call(.patch, "/policy", ["allowedFactorTypes": ["totp", "totp"]]).code == "api.invalid_parameter")
                #expect(try await api.call(.patch, "/policy", ["totp": ["digits": 7, "shape": "round"]]).code == "api.bad_request")
                #expect(try await api.call(.patch, "/policy", ["inboundSMSNumber": NSNull()]).code == "api.invalid_parameter")
                #expect(try await api.call(.patch, "/policy", [String: Any]()).status == .badRequest)
                #expect(try await test.app.administration.organization(slug: Organization.defaultSlug).policy.passkeysAllowed)
            }
        }
    }

    @Test("An organization key gets 404 for another organization's groups (in paths) and users (as members), 403 for its policy; no key or a verification key 401",
          arguments: TestDatabase.engines)
    func otherOrganizations(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let acme = try await test.app.administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
            let bob = try await test.app.administration.createUser(organization: acme, username: "bob", displayName: nil, password: password, actor: .cli)
            let alice = try await test.createUser("alice", password: password)
            let theirs = try await test.app.groups.create(organizationID: acme.id, name: "Acme staff", mfaRequired: false, scope: .cli)
            try await test.app.groups.addMember(theirs, user: bob, scope: .cli)
            let ours = try await test.app.groups.create(organizationID: alice.organizationID, name: "Ours", mfaRequired: false, scope: .cli)
            let (_, own) = try await test.adminKey()
            let (_, operatorKey) = try await test.adminKey(operatorWide: true)
            let (_, verification) = try await test.app.apiKeys.create(organization: acme, name: "vpn", actor: .cli)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: own)
                let calls: [(HTTPRequest.Method, String, Any?)] = [
                    (.get, "/groups/\(theirs.id)", nil), (.patch, "/groups/\(theirs.id)", ["name": "Mine"]), (.delete, "/groups/\(theirs.id)", nil),
                    (.get, "/groups/\(theirs.id)/members", nil), (.put, "/groups/\(theirs.id)/members/\(alice.id)", nil),
                    (.delete, "/groups/\(theirs.id)/members/\(bob.id)", nil),
                    // Their user into our group, or out of it.
                    (.put, "/groups/\(ours.id)/members/\(bob.id)", nil), (.delete, "/groups/\(ours.id)/members/\(bob.id)", nil),
                    (.get, "/users?group=\(theirs.id)", nil),
                ]
                for (method, path, body) in calls {
                    let answer = try await api.call(method, path, body)
                    #expect(answer.status == .notFound && answer.isProblem, "\(method) \(path): \(answer.status)")
                    for key in [nil, verification] {
                        #expect(try await api.call(method, path, body, key: .some(key)).status == .unauthorized, "\(method) \(path)")
                    }
                }
                for (method, path, body) in [(HTTPRequest.Method.get, "/groups?org=acme", nil), (.post, "/groups?org=acme", ["name": "X"]),
                                             (.get, "/policy?org=acme", nil), (.patch, "/policy?org=acme", ["passkeySignIn": false])] as [(HTTPRequest.Method, String, Any?)] {
                    #expect(try await api.call(method, path, body).status == .forbidden, "\(method) \(path)")
                    #expect(try await api.call(method, path, body, key: .some(verification)).status == .unauthorized)
                }
                #expect(try await api.get("/groups").items.compactMap { $0["name"] as? String } == ["Ours"])
                let group = try #require(try await test.app.groups.group(id: theirs.id, scope: .cli))
                #expect(group.name == "Acme staff" && group.memberCount == 1)
                #expect(try await test.app.groups.members(of: ours).isEmpty)
                #expect(try await test.app.administration.organization(slug: "acme").policy.passkeysAllowed)

                // The operator key: every organization, but never another organization's user in a group.
                let ops = AdminAPIClient(browser: browser, key: operatorKey)
                #expect(try await ops.get("/groups?org=acme").items.compactMap { $0["name"] as? String } == ["Acme staff"])
                #expect(try await ops.call(.put, "/groups/\(ours.id)/members/\(bob.id)").code == "group.other_organization")
                #expect(try await ops.call(.patch, "/policy?org=acme", ["passkeySignIn": false]).object["passkeySignIn"] as? Bool == false)
                #expect(try await ops.get("/policy").object["passkeySignIn"] as? Bool == true, "the default organization's is its own")
            }
        }
    }
}
