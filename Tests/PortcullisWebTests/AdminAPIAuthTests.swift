import Crypto
import Foundation
import HTTPTypes
import PortcullisAdminAPI
import PortcullisCore
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

@Suite("Admin API (/api/v1): keys, scopes and problem documents, on SQLite and PostgreSQL")
struct AdminAPIAuthTests {
    @Test("No key, a wrong key, a verification key, a revoked key: 401; a good key works, its last use noted once a minute, never logged",
          arguments: TestDatabase.engines)
    func authentication(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (key, secret) = try await test.adminKey()
            let organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
            let (verificationKey, verificationSecret) = try await test.app.apiKeys.create(organization: organization, name: "vpn", actor: .cli)
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                for presented: String? in [nil, secret + "x", "pca_" + key.id + "_wrong", verificationSecret,
                                           // A verification key's id and secret under the admin prefix: the scope is checked too.
                                           "pca_" + verificationSecret.dropFirst(4)] {
                    let refused = try await api.call(.get, "/users", key: .some(presented))
                    #expect(refused.status == .unauthorized && refused.code == "api.unauthenticated", "\(String(describing: presented))")
                    #expect(refused.isProblem && refused.headers[.wwwAuthenticate] == "Bearer")
                }
                // An admin key does not open the verification API either.
                let validate = try await VerificationAPITests.call(browser, "/validate/check", ["user": "admin", "pass": "x"], key: secret)
                #expect(validate.status == .unauthorized)

                #expect(try await test.app.apiKeys.list(organization: organization).first { $0.id == key.id }?.lastUsedAt == nil)
                #expect(try await api.get("/users").status == .ok)
                let first = test.clock.now
                #expect(try await test.app.apiKeys.list(organization: organization).first { $0.id == key.id }?.lastUsedAt == first)
                test.clock.advance(by: 30)
                #expect(try await api.get("/users").status == .ok)
                #expect(try await test.app.apiKeys.list(organization: organization).first { $0.id == key.id }?.lastUsedAt == first,
                        "written at most once a minute")
                test.clock.advance(by: 31)
                #expect(try await api.get("/users").status == .ok)
                #expect(try await test.app.apiKeys.list(organization: organization).first { $0.id == key.id }?.lastUsedAt == test.clock.now)
                #expect(try await test.app.apiKeys.list(organization: organization).first { $0.id == verificationKey.id }?.lastUsedAt == nil)

                #expect(try await test.app.apiKeys.revoke(id: key.id, organization: organization, actor: .cli))
                #expect(try await api.get("/users").status == .unauthorized)
            }
            for presented in [secret, verificationSecret, String(secret.dropFirst("pca_".count + key.id.count + 1))] {
                #expect(!test.logs.text.contains(presented), "a key was logged")
            }
        }
    }

    @Test("Every refusal is an RFC 9457 problem document: unknown paths, other methods, unreadable bodies and parameters, 501")
    func problemDocuments() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret) = try await test.adminKey()
            try await test.run { browser in
                let api = AdminAPIClient(browser: browser, key: secret)
                let missing = try await api.get("/nothing/here")
                #expect(missing.status == .notFound && missing.code == "api.not_found" && missing.isProblem)
                let method = try await api.call(.put, "/tokens")
                #expect(method.status == .methodNotAllowed && method.headers[.allow] == "GET" && method.isProblem)
                let malformed = try await api.post("/users", "{not json")
                #expect(malformed.status == .badRequest && malformed.code == "api.bad_request")
                let unknownMember = try await api.post("/users", ["username": "bob", "shoeSize": 44])
                #expect(unknownMember.status == .badRequest && unknownMember.code == "api.bad_request", "additionalProperties: false")
                let user = try await test.createUser("alice", password: "correct horse battery")
                let null = try await api.call(.patch, "/users/" + user.id, ["role": NSNull()])
                #expect(null.status == .badRequest && null.code == "api.invalid_parameter", "null where the document allows none")
                let wrongType = try await api.get("/tokens?limit=many")
                #expect(wrongType.status == .badRequest && wrongType.code == "api.bad_request")
                let outOfRange = try await api.get("/tokens?limit=201")
                #expect(outOfRange.status == .badRequest && outOfRange.code == "api.invalid_parameter")
                let cursor = try await api.get("/users?cursor=%21%21")
                #expect(cursor.status == .badRequest && cursor.code == "api.invalid_cursor")
                let later = try await api.get("/audit-events?type=no.such_type")
                #expect(later.status == .badRequest && later.code == "api.invalid_parameter")

                // The shape: type (a URN of the code), title, status (as answered), detail and code.
                for answer in [missing, method, malformed, later] {
                    let document = answer.object
                    #expect(Set(document.keys) == ["type", "title", "status", "detail", "code"])
                    #expect(document["type"] as? String == "urn:portcullis:error:" + (answer.code ?? "?"))
                    #expect(document["status"] as? Int == Int(answer.status.code))
                    #expect((document["title"] as? String)?.isEmpty == false && (document["detail"] as? String)?.isEmpty == false)
                }
            }
        }
    }

    @Test("The error catalog words every refusal of the admin API")
    func refusalsAreWorded() {
        let problems: [AdminAPIProblem] = [.unauthenticated, .forbidden, .notFound, .methodNotAllowed, .tooLarge, .badCursor, .badRequest(),
                                           .badParameter("limit"), .unknownOrganization("x"), .invalid("until"),
                                           .resyncFailed(serial: "T-1"), .tokenFactor]
        for problem in problems {
            #expect(ErrorCatalog.knows(problem.code), "no words for \(problem.code)")
            #expect(problem.document.status == Int(problem.status.code) && problem.document.code == problem.code)
        }
        #expect(ErrorCatalog.knows("server.error"))
    }

    @Test("The committed generated code is from this openapi.yaml and config (regenerate: make generate-api)")
    func generatedCodeIsFresh() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        func digest(_ name: String) throws -> String {
            SHA256.hash(data: try Data(contentsOf: root.appendingPathComponent(name))).map { String(format: "%02x", $0) }.joined()
        }
        #expect(try digest("openapi.yaml") == GeneratedFrom.documentSHA256, "openapi.yaml changed: run make generate-api and commit")
        #expect(try digest("openapi-generator-config.yaml") == GeneratedFrom.configurationSHA256,
                "openapi-generator-config.yaml changed: run make generate-api and commit")
    }
}
