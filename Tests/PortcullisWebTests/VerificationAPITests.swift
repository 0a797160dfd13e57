import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Verification API (privacyIDEA's /validate shape) over HTTP, on SQLite and PostgreSQL")
struct VerificationAPITests {
    let password = "correct horse battery"

    /// Posts to the API with a key, as a form or as JSON; returns the status and the decoded document.
    static func call(_ browser: Browser, _ path: String, _ fields: [String: String], key: String?, json: Bool = false) async throws
        -> (status: HTTPResponse.Status, document: [String: Any]) {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer " + key }
        let body: String
        if json {
            headers[.contentType] = "application/json"
            body = String(decoding: try JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
        } else {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = fields.map { "\(Browser.escape($0.key))=\(Browser.escape($0.value))" }.joined(separator: "&")
        }
        let page = try await browser.send(path, method: .post, body: body, headers: headers)
        let document = (try? JSONSerialization.jsonObject(with: Data(page.body.utf8))) as? [String: Any] ?? [:]
        return (page.status, document)
    }

    static func authentication(_ document: [String: Any]) -> String? {
        (document["result"] as? [String: Any])?["authentication"] as? String
    }

    static func detail(_ document: [String: Any]) -> [String: Any] { document["detail"] as? [String: Any] ?? [:] }

    /// A user with a confirmed authenticator app, and an API key for the default organization.
    func setUp(_ test: TestApp, username: String = "alice") async throws -> (user: User, factor: Factor, secret: [UInt8], key: String) {
        let user = try await test.createUser(username, password: password)
        let enrollment = try await TOTPFactor().beginEnrollment(userID: user.id, label: "Phone", context: test.app.factorContext)
        let code = OneTimePassword.totp(secret: enrollment.secret, at: test.clock.now)
        guard case .confirmed(let factor, _) = try await test.app.factors.confirm(
            userID: user.id, factorID: enrollment.factor.id, response: FactorResponse.code(code), label: nil, ip: "x") else {
            throw TestError.enrollment
        }
        test.clock.advance(by: 30)
        let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
        let (_, key) = try await test.app.apiKeys.create(organization: organization, name: "vpn", actor: .cli)
        return (user, factor, enrollment.secret, key)
    }

    enum TestError: Error { case enrollment }

    @Test("Password + code at once; password alone → challenge and transaction; replays, keys and realms refused", arguments: TestDatabase.engines)
    func checks(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, factor, secret, key) = try await setUp(test)
            try await test.run { browser in
                // No key, a wrong key, a revoked key.
                let unauthenticated = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password], key: nil)
                #expect(unauthenticated.status == .unauthorized)
                #expect(((unauthenticated.document["result"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == 4033)
                #expect(try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password], key: key + "x").status == .unauthorized)
                #expect(try await Self.call(browser, "/validate/check", ["user": "alice", "realm": "other", "pass": password], key: key).status == .badRequest)
                #expect(try await Self.call(browser, "/validate/check", ["pass": password], key: key).status == .badRequest)

                // Password followed by the code: ACCEPT; the same again: REJECT (HTTP 200).
                let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                let accepted = try await Self.call(browser, "/validate/check", ["user": "alice", "realm": "default", "pass": password + code], key: key)
                #expect(accepted.status == .ok && Self.authentication(accepted.document) == "ACCEPT")
                #expect((accepted.document["result"] as? [String: Any])?["value"] as? Bool == true)
                #expect(Self.detail(accepted.document)["serial"] as? String == factor.id && Self.detail(accepted.document)["otplen"] as? Int == 6)
                let replayed = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password + code], key: key)
                #expect(replayed.status == .ok && Self.authentication(replayed.document) == "REJECT")

                // The password alone: CHALLENGE with a 20-digit transaction id; then the code under it, as JSON.
                let challenge = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password], key: key)
                #expect(Self.authentication(challenge.document) == "CHALLENGE")
                let transaction = try #require(Self.detail(challenge.document)["transaction_id"] as? String)
                #expect(transaction.count == 20 && transaction.allSatisfy(\.isNumber))
                let multi = try #require(Self.detail(challenge.document)["multi_challenge"] as? [[String: Any]])
                #expect(multi.first?["transaction_id"] as? String == transaction && multi.first?["type"] as? String == "totp")
                test.clock.advance(by: 30)
                let next = OneTimePassword.totp(secret: secret, at: test.clock.now)
                let wrongUser = try await Self.call(browser, "/validate/check", ["user": "bob", "transaction_id": transaction, "pass": next], key: key)
                #expect(Self.authentication(wrongUser.document) == "REJECT")
                let answered = try await Self.call(browser, "/validate/check", ["user": "alice", "transaction_id": transaction, "pass": next],
                                                   key: key, json: true)
                #expect(Self.authentication(answered.document) == "ACCEPT")
                test.clock.advance(by: 30)
                let later = OneTimePassword.totp(secret: secret, at: test.clock.now)
                let reused = try await Self.call(browser, "/validate/check", ["user": "alice", "transaction_id": transaction, "pass": later], key: key)
                #expect(Self.authentication(reused.document) == "REJECT", "a transaction works once")

                // A transaction lasts two minutes.
                let stale = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password], key: key)
                let staleID = try #require(Self.detail(stale.document)["transaction_id"] as? String)
                test.clock.advance(by: 121)
                let tooLate = OneTimePassword.totp(secret: secret, at: test.clock.now)
                #expect(Self.authentication(try await Self.call(browser, "/validate/check", ["user": "alice", "state": staleID, "pass": tooLate],
                                                                 key: key).document) == "REJECT")

                // Unknown users and wrong passwords: REJECT, never an error that tells them apart.
                let unknown = try await Self.call(browser, "/validate/check", ["user": "nobody", "pass": "guess123456"], key: key)
                let wrong = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": "guess123456"], key: key)
                #expect(unknown.status == .ok && wrong.status == .ok)
                #expect(Self.authentication(unknown.document) == "REJECT" && Self.authentication(wrong.document) == "REJECT")

                // triggerchallenge: a transaction without the password.
                let triggered = try await Self.call(browser, "/validate/triggerchallenge", ["user": "alice"], key: key)
                #expect(Self.authentication(triggered.document) == "CHALLENGE")
                #expect((triggered.document["result"] as? [String: Any])?["value"] as? Int == 1)
            }
        }
    }

    @Test("The API and the pages share one lockout; 50 parallel wrong passwords check at most 5", arguments: TestDatabase.engines)
    func sharedLockout(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.hashing.queue = 100; $0.policy.ipFailureLimit = 1000 }
            let (user, _, secret, key) = try await setUp(test)
            try await test.run { browser in
                let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                    for n in 0..<50 {
                        group.addTask {
                            let document = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": "wrong password \(n)"], key: key).document
                            return Self.authentication(document)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.allSatisfy { $0 == "REJECT" })
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: user.id, limit: 500)
                #expect(events.filter { $0.reason == "bad_password" }.count == 5)
                #expect(events.filter { $0.type == .accountLocked }.count == 1)
                // Locked: the right password and code get REJECT from the API, and the same failure as any on the page.
                let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                #expect(Self.authentication(try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password + code],
                                                                 key: key).document) == "REJECT")
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", ["username": "alice", "password": password]).status == .unauthorized)
            }
        }
    }

    @Test("50 parallel answers to one transaction with its valid code: one ACCEPT, the rest REJECT, none counted as a guess",
          arguments: TestDatabase.engines)
    func transactionBurst(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.hashing.queue = 100 }
            let (user, _, secret, key) = try await setUp(test)
            try await test.run { browser in
                let challenge = try await Self.call(browser, "/validate/check", ["user": "alice", "pass": password], key: key)
                let transaction = try #require(Self.detail(challenge.document)["transaction_id"] as? String)
                test.clock.advance(by: 30)
                let code = OneTimePassword.totp(secret: secret, at: test.clock.now)
                let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            Self.authentication(try await Self.call(browser, "/validate/check",
                                                                    ["user": "alice", "transaction_id": transaction, "pass": code], key: key).document)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answers.filter { $0 == "ACCEPT" }.count == 1 && answers.filter { $0 == "REJECT" }.count == 49)
                let reloaded = try #require(try await test.app.repositories.users.find(id: user.id))
                #expect(reloaded.failedFactorAttempts == 0 && !reloaded.isLocked(at: test.clock.now), "duplicates are not guesses")
            }
        }
    }
}
