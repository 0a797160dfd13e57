import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Admin API: users, and what an organization key may do to another's, on SQLite and PostgreSQL")
struct AdminAPIUserTests {
    let password = "correct horse battery"

    @Test("Create, list with paging, read, require MFA, roles, unlock, factors, temporary password: each succeeds and is refused as documented",
          arguments: TestDatabase.engines)
    func users(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                // Create: a generated password is returned once and must be changed; a given one is not; audited with the key.
                let created = try await api.post("/users", ["username": "Carol", "name": "Carol Example", "email": "Carol@Example.com",
                                                            "phone": "+1 500 555 0006", "requireMFA": true])
                #expect(created.status == .created)
                let carol = try #require(created.object["user"] as? [String: Any])
                let carolID = try #require(carol["id"] as? String)
                #expect(carol["username"] as? String == "carol" && carol["mfaStatus"] as? String == "pending" && carol["role"] as? String == "user")
                #expect(carol["email"] as? String == "carol@example.com" && carol["phone"] as? String == "+15005550006")
                #expect(carol["mfaRequiredBy"] as? [[String: String]] == [["kind": "user"]])
                let generated = try #require(created.object["temporaryPassword"] as? String)
                let check = try await test.app.signIn.verifyPassword(organization: organization, username: "carol", password: generated, ip: "x")
                guard case .success = check else { Issue.record("the generated password does not sign in"); return }
                #expect(try await test.app.directory.user(id: carolID)?.mustChangePassword == true)
                #expect(try await test.events(.userCreated).contains { $0.actor == .apiClient(key.id) })
                let dave = try await api.post("/users", ["username": "dave", "password": password, "role": "admin"])
                #expect(dave.status == .created && dave.object["temporaryPassword"] == nil)
                let daveID = try #require((dave.object["user"] as? [String: Any])?["id"] as? String)
                #expect((dave.object["user"] as? [String: Any])?["role"] as? String == "admin")
                #expect(try await test.app.directory.user(id: daveID)?.mustChangePassword == false)
                #expect(try await api.post("/users", ["username": "dave", "password": password]).code == "user.exists")
                #expect(try await api.post("/users", ["username": "not valid!"]).code == "user.invalid_username")
                #expect(try await api.post("/users", ["username": "erin", "password": "short"]).status == .badRequest)
                #expect(try await api.post("/users", ["username": "erin", "role": "operator"]).status == .forbidden)
                // A phone or email that is not one refuses the whole creation.
                #expect(try await api.post("/users", ["username": "erin", "phone": "call me"]).code == "user.invalid_phone")
                #expect(try await api.post("/users", ["username": "erin", "email": "nope"]).code == "user.invalid_email")
                #expect(try await api.post("/users", ["username": "erin", "name": "Nul\u{0}"]).status == .unprocessableContent)
                #expect(try await test.app.directory.user(organizationID: organization.id, username: "erin") == nil)

                // List: by username, pages with a cursor.
                let page1 = try await api.get("/users?limit=2")
                let page2 = try await api.get("/users?limit=2&cursor=" + (page1.object["next"] as? String ?? ""))
                #expect((page1.items + page2.items).compactMap { $0["username"] as? String } == ["admin", "carol", "dave"])
                #expect(page2.object["next"] == nil)
                #expect(try await api.get("/users?q=" + String(repeating: "x", count: 129)).status == .badRequest)

                // Read: factors, groups, failure counts; an unknown id answers 404.
                let detail = try await api.get("/users/" + carolID)
                #expect(detail.status == .ok && detail.object["failedAttempts"] as? Int == 0)
                #expect((detail.object["factors"] as? [Any])?.isEmpty == true && (detail.object["groups"] as? [Any])?.isEmpty == true)
                #expect(try await api.get("/users/nobody").code == "user.not_found_by_id")
                #expect(try await api.get("/users/not%20an%20id").status == .notFound)

                // Require two-factor, then not; make an admin; an organization key makes no operator.
                let notRequired = try await api.call(.patch, "/users/" + carolID, ["requireMFA": false])
                #expect(notRequired.status == .ok && notRequired.object["mfaStatus"] as? String == "none")
                #expect((notRequired.object["mfaRequiredBy"] as? [Any])?.isEmpty == true)
                #expect(try await test.events(.mfaRequirementChanged).contains { $0.actor == .apiClient(key.id) })
                let admin = try await api.call(.patch, "/users/" + carolID, ["role": "admin", "requireMFA": true])
                #expect(admin.object["role"] as? String == "admin" && admin.object["mfaRequired"] as? Bool == true)
                #expect(try await test.events(.rolesChanged).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.call(.patch, "/users/" + carolID, ["role": "operator"]).status == .forbidden)
                #expect(try await api.call(.patch, "/users/" + carolID, [String: Any]()).status == .badRequest)

                // Unlock a user locked by wrong passwords.
                for _ in 0..<5 { _ = try await test.app.signIn.verifyPassword(organization: organization, username: "carol", password: "wrong!", ip: "x") }
                #expect(try await api.get("/users/" + carolID).object["locked"] as? Bool == true)
                #expect(try await api.post("/users/\(carolID)/unlock").status == .noContent)
                #expect(try await api.get("/users/" + carolID).object["locked"] as? Bool == false)
                #expect(try await test.events(.accountUnlocked).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/users/nobody/unlock").status == .notFound)

                // Factors: the confirmed ones.
                let enrollment = try await TOTPFactor().beginEnrollment(userID: carolID, label: "Phone", context: test.app.factorContext)
                _ = try await test.app.factors.confirm(userID: carolID, factorID: enrollment.factor.id,
                                                       response: .code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)),
                                                       label: nil, ip: "x")
                let factors = try await api.get("/users/\(carolID)/factors")
                // The app and the backup codes issued with the first factor.
                #expect(Set(factors.items.compactMap { $0["type"] as? String }) == ["totp", "backup_codes"])
                #expect(factors.items.first { $0["type"] as? String == "totp" }?["isDefault"] as? Bool == true)
                #expect(try await api.get("/users/" + carolID).object["mfaStatus"] as? String == "enabled")
                #expect(try await api.get("/users/nobody/factors").status == .notFound)

                // A temporary password, returned once, replaces the old one, must be changed and ends the sessions.
                let session = try await test.app.sessions.start(user: try #require(try await test.app.directory.user(id: daveID)),
                                                               stage: .signedIn, amr: ["pwd"])
                let temporary = try await api.post("/users/\(daveID)/temporary-password")
                let newPassword = try #require(temporary.object["temporaryPassword"] as? String)
                #expect(temporary.status == .ok && newPassword.count >= 16)
                #expect(try await test.app.directory.user(id: daveID)?.mustChangePassword == true)
                #expect(try await test.app.sessions.validate(token: session.token) == nil)
                #expect(try await test.events(.temporaryPasswordSet).contains { $0.actor == .apiClient(key.id) })
                let signIn = try await test.app.signIn.verifyPassword(organization: organization, username: "dave", password: newPassword, ip: "x")
                guard case .success = signIn else { Issue.record("the temporary password does not sign in"); return }
                #expect(try await api.post("/users/nobody/temporary-password").status == .notFound)
            }
        }
    }

    @Test("Search filters, edit name, email and phone (empty clears), disable, lock, remove factors, end sessions, delete",
          arguments: TestDatabase.engines)
    func changes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let alice = try await test.createUser("alice", password: password)
            let bob = try await test.createUser("bob", password: password, mfaRequired: true)
            let cleo = try await test.createUser("cleo", password: password)
            let accounting = try await test.app.groups.create(organizationID: alice.organizationID, name: "Accounting", mfaRequired: true, scope: .cli)
            try await test.app.groups.addMember(accounting, user: cleo, scope: .cli)
            let enrollment = try await TOTPFactor().beginEnrollment(userID: alice.id, label: "Phone", context: test.app.factorContext)
            _ = try await test.app.factors.confirm(userID: alice.id, factorID: enrollment.factor.id,
                                                   response: .code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)),
                                                   label: nil, ip: "x")
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                func names(_ query: String) async throws -> [String] {
                    let answer = try await api.get("/users?" + query)
                    #expect(answer.status == .ok, "\(query): \(answer.body)")
                    return answer.items.compactMap { $0["username"] as? String }
                }
                // Filters: text (username, name, email), MFA status, group, locked, disabled; where a requirement comes from.
                #expect(try await names("q=CLE") == ["cleo"], "the username, any case")
                #expect(try await names("q=example") == ["alice", "bob", "cleo"], "the display name")
                #expect(try await names("q=%25") == [], "LIKE wildcards are plain characters")
                #expect(try await names("q=%00") == [])
                #expect(try await names("mfa=enabled") == ["alice"])
                #expect(try await names("mfa=pending") == ["admin", "bob", "cleo"], "the first admin must enroll")
                #expect(try await names("mfa=none") == [])
                #expect(try await names("group=\(accounting.id)") == ["cleo"])
                #expect(try await api.get("/users?group=nothing").code == "group.not_found")
                let cleoRow = try #require(try await api.get("/users?q=cleo").items.first)
                #expect(cleoRow["mfaRequiredBy"] as? [[String: String]] == [["kind": "group", "groupId": accounting.id, "groupName": "Accounting"]])
                #expect(cleoRow["mfaRequired"] as? Bool == true && cleoRow["mfaStatus"] as? String == "pending")
                let cleoDetail = try await api.get("/users/" + cleo.id)
                #expect(cleoDetail.object["groups"] as? [[String: String]] == [["id": accounting.id, "name": "Accounting"]])
                #expect(try await names("locked=true") == [])
                #expect(try await names("mfa=pending&limit=2") == ["admin", "bob"])
                let pending = try await api.get("/users?mfa=pending&limit=2")
                let rest = try await api.get("/users?mfa=pending&limit=2&cursor=" + (pending.object["next"] as? String ?? ""))
                #expect(rest.items.compactMap { $0["username"] as? String } == ["cleo"] && rest.object["next"] == nil)

                // Edit: the members given change, an empty email or phone removes it, null is refused.
                let edited = try await api.call(.patch, "/users/" + bob.id, ["name": "Bob B.", "email": "bob@example.com", "phone": "+15005550006"])
                #expect(edited.status == .ok && edited.object["name"] as? String == "Bob B.")
                #expect(edited.object["email"] as? String == "bob@example.com" && edited.object["phone"] as? String == "+15005550006")
                #expect(try await test.events(.userUpdated).contains { $0.actor == .apiClient(key.id) })
                #expect(try await names("q=BOB@") == ["bob"], "the email address")
                let cleared = try await api.call(.patch, "/users/" + bob.id, ["phone": ""])
                #expect(cleared.object["phone"] == nil && cleared.object["email"] as? String == "bob@example.com" && cleared.object["name"] as? String == "Bob B.")
                #expect(try await api.call(.patch, "/users/" + bob.id, ["email": NSNull()]).code == "api.invalid_parameter")
                #expect(try await api.call(.patch, "/users/" + bob.id, ["email": "not an address"]).code == "user.invalid_email")
                #expect(try await api.call(.patch, "/users/" + bob.id, ["phone": "12"]).code == "user.invalid_phone")
                #expect(try await api.call(.patch, "/users/" + bob.id, ["name": String(repeating: "n", count: 129)]).status == .badRequest)
                #expect(try await test.app.directory.user(id: bob.id)?.email == "bob@example.com")

                // Disable (ends sessions) and enable; the filter sees it.
                let session = try await test.app.sessions.start(user: bob, stage: .signedIn, amr: ["pwd"])
                let disabled = try await api.call(.patch, "/users/" + bob.id, ["disabled": true])
                #expect(disabled.status == .ok && disabled.object["disabled"] as? Bool == true)
                #expect(try await test.app.sessions.validate(token: session.token) == nil)
                #expect(try await names("disabled=true") == ["bob"])
                #expect(try await test.events(.userDisabled).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.call(.patch, "/users/" + bob.id, ["disabled": false]).object["disabled"] as? Bool == false)

                // Lock until an admin unlocks; the filter sees it.
                #expect(try await api.post("/users/\(bob.id)/lock").status == .noContent)
                #expect(try await api.get("/users/" + bob.id).object["locked"] as? Bool == true)
                #expect(try await api.get("/users/" + bob.id).object["lockedUntil"] == nil, "until an admin unlocks")
                #expect(try await names("locked=true") == ["bob"])
                #expect(try await test.events(.accountLocked).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/users/nobody/lock").status == .notFound)

                // End sessions.
                let other = try await test.app.sessions.start(user: alice, stage: .signedIn, amr: ["pwd"])
                #expect(try await api.call(.delete, "/users/\(alice.id)/sessions").status == .noContent)
                #expect(try await test.app.sessions.validate(token: other.token) == nil)
                #expect(try await test.events(.sessionsEnded).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.call(.delete, "/users/nobody/sessions").status == .notFound)

                // Remove one factor (the last app takes the backup codes with it), then a lost phone removes all.
                let held = try await api.get("/users/\(alice.id)/factors").items
                let backup = try #require(held.first { $0["type"] as? String == "backup_codes" }?["id"] as? String)
                #expect(try await api.call(.delete, "/users/\(alice.id)/factors/\(backup)").status == .noContent)
                #expect(try await api.call(.delete, "/users/\(alice.id)/factors/\(backup)").code == "api.not_found")
                #expect(try await api.get("/users/\(alice.id)/factors").items.map { $0["type"] as? String } == ["totp"])
                #expect(try await test.events(.factorRemoved).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.call(.delete, "/users/\(alice.id)/factors").status == .noContent)
                #expect(try await api.get("/users/\(alice.id)/factors").items.isEmpty)
                #expect(try await api.get("/users/" + alice.id).object["mfaStatus"] as? String == "none")
                #expect(try await api.call(.delete, "/users/nobody/factors").status == .notFound)

                // A hardware token's factor goes back by unassigning the token: 409.
                let token = try await api.post("/tokens/import", ["format": "csv", "content": AdminAPITokenTests.csv(["H-1"])])
                let tokenID = try #require(token.items.first?["id"] as? String)
                #expect(try await api.post("/tokens/\(tokenID)/assign", ["userId": alice.id]).status == .ok)
                let hotp = try #require(try await api.get("/users/\(alice.id)/factors").items.first { $0["type"] as? String == "hotp" }?["id"] as? String)
                #expect(try await api.call(.delete, "/users/\(alice.id)/factors/\(hotp)").code == "api.token_factor")

                // Delete: the user goes, the audit trail stays; gone is not found.
                #expect(try await api.call(.delete, "/users/" + cleo.id).status == .noContent)
                #expect(try await api.get("/users/" + cleo.id).status == .notFound)
                #expect(try await api.call(.delete, "/users/" + cleo.id).status == .notFound)
                #expect(try await test.events(.userDeleted).contains { $0.actor == .apiClient(key.id) && $0.userID == cleo.id })
                #expect(try await test.events(.groupMemberAdded).contains { $0.userID == cleo.id })
            }
        }
    }

    @Test("An organization key gets 404 for every user operation on another organization's user; no key or a verification key 401",
          arguments: TestDatabase.engines)
    func otherOrganizations(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let acme = try await test.app.administration.createOrganization(slug: "acme", name: "Acme", actor: .cli)
            let bob = try await test.app.administration.createUser(organization: acme, username: "bob", displayName: nil, password: password, actor: .cli)
            let (_, own) = try await test.adminKey()
            let (_, operatorKey) = try await test.adminKey(operatorWide: true)
            let (_, verification) = try await test.app.apiKeys.create(organization: acme, name: "vpn", actor: .cli)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: own)
                let calls: [(HTTPRequest.Method, String, Any?)] = [
                    (.get, "/users/\(bob.id)", nil), (.patch, "/users/\(bob.id)", ["name": "Mallory"]),
                    (.patch, "/users/\(bob.id)", ["disabled": true]), (.delete, "/users/\(bob.id)", nil),
                    (.post, "/users/\(bob.id)/lock", nil), (.post, "/users/\(bob.id)/unlock", nil), (.get, "/users/\(bob.id)/factors", nil),
                    (.delete, "/users/\(bob.id)/factors", nil), (.delete, "/users/\(bob.id)/factors/f1", nil),
                    (.delete, "/users/\(bob.id)/sessions", nil), (.post, "/users/\(bob.id)/temporary-password", nil),
                ]
                for (method, path, body) in calls {
                    let answer = try await api.call(method, path, body)
                    #expect(answer.status == .notFound && answer.isProblem, "\(method) \(path)")
                    for key in [nil, verification] {
                        #expect(try await api.call(method, path, body, key: .some(key)).status == .unauthorized, "\(method) \(path)")
                    }
                }
                #expect(try await api.get("/users?org=acme").status == .forbidden)
                #expect(try await api.post("/users?org=acme", ["username": "eve"]).status == .forbidden)
                let untouched = try #require(try await test.app.directory.user(id: bob.id))
                #expect(untouched.displayName == "bob" && !untouched.disabled && !untouched.isLocked(at: test.clock.now))

                // The operator key sees and changes them.
                let ops = AdminAPIClient(browser: browser, key: operatorKey)
                #expect(try await ops.get("/users?org=acme").items.compactMap { $0["username"] as? String } == ["bob"])
                #expect(try await ops.call(.patch, "/users/\(bob.id)", ["name": "Bob"]).object["name"] as? String == "Bob")
                #expect(try await ops.post("/users?org=acme", ["username": "olga", "role": "operator"]).status == .created)
            }
        }
    }

    @Test("The audit log: filtered pages with a cursor, only the key's organization, and both exports streamed and audited",
          arguments: TestDatabase.engines)
    func auditLog(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let organization = try await test.app.administration.organization(slug: "default")
            let other = try await test.app.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
            let stranger = try await test.app.administration.createUser(organization: other, username: "stranger", displayName: nil,
                                                                        password: "stranger's password", actor: .cli)
            let alice = try await test.createUser("alice", password: "correct horse battery")
            for _ in 0..<3 {
                _ = try await test.app.signIn.verifyPassword(organization: organization, username: "alice", password: "wrong", ip: "192.0.2.5")
            }
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                let failures = try await api.get("/audit-events?userId=\(alice.id)&outcome=failure&limit=2")
                #expect(failures.status == .ok && failures.items.count == 2)
                #expect(failures.items.allSatisfy { $0["type"] as? String == "sign_in.failed" && $0["outcome"] as? String == "failure" })
                let next = try #require(failures.object["next"] as? String)
                let rest = try await api.get("/audit-events?userId=\(alice.id)&outcome=failure&limit=2&cursor=\(next)")
                #expect(rest.items.count == 1 && rest.object["next"] == nil)
                let ids = Set((failures.items + rest.items).compactMap { $0["id"] as? String })
                #expect(ids.count == 3, "no row twice")
                #expect(try await api.get("/audit-events?type=sign_in.failed&since=2999-01-01T00:00:00Z").items.isEmpty)

                // Another organization's rows never show, whatever the filter names.
                #expect(try await api.get("/audit-events?userId=\(stranger.id)").items.isEmpty)
                #expect(try await api.get("/audit-events?org=other").status == .forbidden)
                #expect(try await api.get("/audit-events?limit=1000").status == .badRequest)

                // Both exports parse, hold the filtered rows, and are audited with the key.
                let csv = try await api.get("/audit-events/export?format=csv&userId=\(alice.id)&type=sign_in.failed")
                #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
                #expect(csv.body.split(separator: "\r\n").count == 4, "a header and three rows")
                let jsonl = try await api.get("/audit-events/export?format=jsonl&userId=\(alice.id)&type=sign_in.failed")
                let lines = jsonl.body.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                #expect(lines.count == 3 && lines.allSatisfy { $0["type"] as? String == "sign_in.failed" })
                #expect(try await test.events(.auditExported).filter { $0.actor == .apiClient(key.id) }.count == 2)
                #expect(try await api.call(.get, "/audit-events", key: .some(nil)).status == .unauthorized)
            }
        }
    }
}
