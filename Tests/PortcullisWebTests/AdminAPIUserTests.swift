import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Admin API: users, and the operations not built yet, on SQLite and PostgreSQL")
struct AdminAPIUserTests {
    let password = "correct horse battery"

    @Test("List with paging, create, read, require MFA, roles, unlock, factors, temporary password: each succeeds and is refused as documented",
          arguments: TestDatabase.engines)
    func users(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                // Create: a generated password is returned once; a given one is not; audited with the key.
                let created = try await api.post("/users", ["username": "Carol", "name": "Carol Example", "email": "carol@example.com",
                                                            "requireMFA": true])
                #expect(created.status == .created)
                let carol = try #require(created.object["user"] as? [String: Any])
                let carolID = try #require(carol["id"] as? String)
                #expect(carol["username"] as? String == "carol" && carol["mfaStatus"] as? String == "pending" && carol["role"] as? String == "user")
                let generated = try #require(created.object["temporaryPassword"] as? String)
                let check = try await test.app.signIn.verifyPassword(organization: organization, username: "carol", password: generated, ip: "x")
                guard case .success = check else { Issue.record("the generated password does not sign in"); return }
                #expect(try await test.events(.userCreated).contains { $0.actor == .apiClient(key.id) })
                let dave = try await api.post("/users", ["username": "dave", "password": password, "role": "admin"])
                #expect(dave.status == .created && dave.object["temporaryPassword"] == nil)
                #expect((dave.object["user"] as? [String: Any])?["role"] as? String == "admin")
                #expect(try await api.post("/users", ["username": "dave", "password": password]).code == "user.exists")
                #expect(try await api.post("/users", ["username": "not valid!"]).code == "user.invalid_username")
                #expect(try await api.post("/users", ["username": "erin", "password": "short"]).status == .badRequest)
                #expect(try await api.post("/users", ["username": "erin", "role": "operator"]).status == .forbidden)
                #expect(try await api.post("/users", ["username": "erin", "phone": "+15005550006"]).code == "api.not_implemented")

                // List: by username, pages with a cursor; the filters wait for their service.
                let page1 = try await api.get("/users?limit=2")
                let page2 = try await api.get("/users?limit=2&cursor=" + (page1.object["next"] as? String ?? ""))
                #expect((page1.items + page2.items).compactMap { $0["username"] as? String } == ["admin", "carol", "dave"])
                #expect(page2.object["next"] == nil)
                #expect(try await api.get("/users?q=car").code == "api.not_implemented")

                // Read: factors, groups, failure counts; an unknown id answers 404.
                let detail = try await api.get("/users/" + carolID)
                #expect(detail.status == .ok && detail.object["failedAttempts"] as? Int == 0)
                #expect((detail.object["factors"] as? [Any])?.isEmpty == true && (detail.object["groups"] as? [Any])?.isEmpty == true)
                #expect(try await api.get("/users/nobody").code == "api.not_found")
                #expect(try await api.get("/users/not%20an%20id").status == .notFound)

                // Require two-factor, then not; make an admin; an organization key makes no operator.
                let notRequired = try await api.call(.patch, "/users/" + carolID, ["requireMFA": false])
                #expect(notRequired.status == .ok && notRequired.object["mfaStatus"] as? String == "none")
                #expect(try await test.events(.mfaRequirementChanged).contains { $0.actor == .apiClient(key.id) })
                let admin = try await api.call(.patch, "/users/" + carolID, ["role": "admin", "requireMFA": true])
                #expect(admin.object["role"] as? String == "admin" && admin.object["mfaRequired"] as? Bool == true)
                #expect(try await api.call(.patch, "/users/" + carolID, ["role": "operator"]).status == .forbidden)
                #expect(try await api.call(.patch, "/users/" + carolID, [String: Any]()).status == .badRequest)
                #expect(try await api.call(.patch, "/users/" + carolID, ["name": "C."]).code == "api.not_implemented")

                // Unlock a user locked by wrong passwords.
                for _ in 0..<5 { _ = try await test.app.signIn.verifyPassword(organization: organization, username: "carol", password: "wrong!", ip: "x") }
                #expect(try await api.get("/users/" + carolID).object["locked"] as? Bool == true)
                #expect(try await api.post("/users/\(carolID)/unlock").status == .noContent)
                #expect(try await api.get("/users/" + carolID).object["locked"] as? Bool == false)
                #expect(try await api.post("/users/nobody/unlock").status == .notFound)

                // Factors: the confirmed ones.
                let carolUser = try #require(try await test.app.directory.user(id: carolID))
                let enrollment = try await TOTPFactor().beginEnrollment(userID: carolID, label: "Phone", context: test.app.factorContext)
                _ = try await test.app.factors.confirm(userID: carolID, factorID: enrollment.factor.id,
                                                       response: .code(OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)),
                                                       label: nil, ip: "x")
                let factors = try await api.get("/users/\(carolUser.id)/factors")
                // The app and the backup codes issued with the first factor.
                #expect(Set(factors.items.compactMap { $0["type"] as? String }) == ["totp", "backup_codes"])
                #expect(factors.items.first { $0["type"] as? String == "totp" }?["isDefault"] as? Bool == true)
                #expect(try await api.get("/users/" + carolID).object["mfaStatus"] as? String == "enabled")
                #expect(try await api.get("/users/nobody/factors").status == .notFound)

                // A temporary password, returned once, replaces the old one.
                let temporary = try await api.post("/users/\(carolID)/temporary-password")
                let newPassword = try #require(temporary.object["temporaryPassword"] as? String)
                #expect(temporary.status == .ok && newPassword.count >= 16)
                #expect(try await test.events(.passwordChanged).contains { $0.actor == .apiClient(key.id) })
                #expect(try await api.post("/users/nobody/temporary-password").status == .notFound)
            }
        }
    }

    @Test("Operations whose services are not built yet answer 501 api.not_implemented (after the key check)")
    func notImplemented() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret) = try await test.adminKey()
            let user = try await test.createUser("alice", password: password)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                let calls: [(HTTPRequest.Method, String, Any?)] = [
                    (.delete, "/users/\(user.id)", nil), (.post, "/users/\(user.id)/lock", nil), (.delete, "/users/\(user.id)/factors", nil),
                    (.delete, "/users/\(user.id)/factors/f1", nil), (.delete, "/users/\(user.id)/sessions", nil),
                    (.get, "/groups", nil), (.post, "/groups", ["name": "Accounting"]), (.get, "/groups/g1", nil),
                    (.patch, "/groups/g1", ["name": "x"]), (.delete, "/groups/g1", nil), (.get, "/groups/g1/members", nil),
                    (.put, "/groups/g1/members/\(user.id)", nil), (.delete, "/groups/g1/members/\(user.id)", nil),
                    (.get, "/policy", nil), (.patch, "/policy", ["passkeySignIn": true]),
                    (.get, "/audit-events", nil), (.get, "/audit-events/export?format=csv", nil),
                ]
                for (method, path, body) in calls {
                    let answer = try await api.call(method, path, body)
                    #expect(answer.status == .notImplemented && answer.code == "api.not_implemented" && answer.isProblem, "\(method) \(path)")
                    #expect(try await api.call(method, path, body, key: .some(nil)).status == .unauthorized, "\(method) \(path) without a key")
                }
            }
        }
    }
}
