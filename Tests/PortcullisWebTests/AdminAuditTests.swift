import Foundation
import Hummingbird
import HummingbirdTesting
@testable import PortcullisApp
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
@testable import PortcullisWeb
import Testing

@Suite("Admin audit log page and its exports")
struct AdminAuditTests {
    /// The default organization in Berlin's time, an admin with an authenticator app, and `count` sign-ins of tom's a
    /// second apart, the last one failed, plus one event of another organization's user.
    static func setUp(_ test: TestApp, count: Int = 60) async throws -> (admin: User, secret: [UInt8], tom: User, stranger: User) {
        var organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
        var policy = organization.policy
        policy.timeZone = "Europe/Berlin"
        try await test.app.administration.setPolicy(organization, policy, actor: .cli)
        organization = try await test.app.administration.organization(slug: Organization.defaultSlug)
        let (admin, secret) = try await AdminSignIn.makeAdmin(test)
        let tom = try await test.createUser("tom", password: "tom's long password")
        let other = try await test.app.administration.createOrganization(slug: "other", name: "Other", actor: .cli)
        let stranger = try await test.app.administration.createUser(organization: other, username: "stranger", displayName: nil,
                                                                    password: "stranger's password", actor: .cli)
        let start = test.clock.now.addingTimeInterval(-3600)
        var events = (0..<count).map { i in
            AuditEvent(id: String(format: "tom-%03d", i), organizationID: organization.id, userID: tom.id, actor: .user(tom.id),
                       type: i == count - 1 ? .signInFailed : .signInSucceeded, reason: i == count - 1 ? "bad_password" : nil,
                       ipAddress: "192.0.2.44", detail: ["stage": "password"], createdAt: start.addingTimeInterval(Double(i)))
        }
        events.append(AuditEvent(id: "stranger-001", organizationID: other.id, userID: stranger.id, actor: .user(stranger.id), type: .signInFailed,
                                 reason: "bad_password", ipAddress: "203.0.113.66", createdAt: start))
        try await test.app.repositories.audit.append(events)
        return (admin, secret, tom, stranger)
    }

    @Test("An admin with a second factor: filters, newest first, 50 a page with a cursor, times in the organization's zone",
          arguments: TestDatabase.engines)
    func page(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (_, secret, _, _) = try await Self.setUp(test)
            try await test.run { browser in
                try await AdminSignIn.signIn(browser, test, secret: secret)
                let first = try await browser.get("/admin/audit?user=tom&type=sign_in.*")
                #expect(first.status == .ok)
                #expect(first.body.contains("role=\"search\"") && first.body.contains("aria-current=\"page\">Audit log<"))
                let ids = allMatches("data-id=\"([^\"]+)\"", in: first.body)
                #expect(ids == (10..<60).reversed().map { String(format: "tom-%03d", $0) })
                #expect(first.body.contains("data-outcome=\"failure\"") && first.body.contains("Sign-in failed") && first.body.contains("wrong password"))
                #expect(first.body.contains("192.0.2.44") && first.body.contains(">tom<"))
                // 2027-01-15 07:00:59 UTC is 08:00:59 in Berlin.
                #expect(first.body.contains(">2027-01-15 08:00:59<") && first.body.contains("Europe/Berlin"))
                let next = try #require(firstMatch("id=\"next-page\" href=\"([^\"]+)\"", in: first.body)).replacingOccurrences(of: "&amp;", with: "&")
                #expect(next.contains("user=tom") && next.contains("type=sign_in.*") && next.contains("after="))
                let second = try await browser.get(next)
                let rest = allMatches("data-id=\"([^\"]+)\"", in: second.body)
                #expect(rest == (0..<10).reversed().map { String(format: "tom-%03d", $0) } && !second.body.contains("id=\"next-page\""))
                #expect(try await browser.get("/admin/audit?after=not-a-cursor").status == .badRequest)

                // Outcome, a family of types and a range read in Berlin's time (07:00:10 to 07:00:20 UTC).
                let failures = try await browser.get("/admin/audit?outcome=failure&type=sign_in.*")
                #expect(allMatches("data-id=\"([^\"]+)\"", in: failures.body) == ["tom-059"])
                let range = try await browser.get("/admin/audit?user=tom&from=2027-01-15T08:00:10&to=2027-01-15T08:00:19")
                #expect(allMatches("data-id=\"([^\"]+)\"", in: range.body) == (10...19).reversed().map { String(format: "tom-%03d", $0) })
                #expect(range.body.contains("value=\"2027-01-15T08:00:10\""))
                let minutes = try await browser.get("/admin/audit?user=tom&from=2027-01-15T08:00&to=2027-01-15T08:00")
                #expect(allMatches("data-id=\"([^\"]+)\"", in: minutes.body).count == 50, "to a minute includes that minute")
                #expect(try await browser.get("/admin/audit?type=no.such").status == .badRequest)
            }
        }
    }

    @Test("Another organization's rows never show, a normal user gets 403, and the exports are streamed, parse and are audited",
          arguments: TestDatabase.engines)
    func isolationAndExports(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            let (admin, secret, _, stranger) = try await Self.setUp(test, count: 5)
            _ = try await test.createUser("ursula", password: "ursula's long password")
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "ursula", "ursula's long password")
                for path in ["/admin/audit", "/admin/audit/export.csv", "/admin/audit/export.jsonl"] {
                    #expect(try await browser.get(path).status == .forbidden, "\(path)")
                }
                _ = try await browser.post("/logout", [:])

                try await AdminSignIn.signIn(browser, test, secret: secret)
                let all = try await browser.get("/admin/audit")
                #expect(!all.body.contains("stranger") && !all.body.contains("203.0.113.66"))
                let byName = try await browser.get("/admin/audit?user=stranger")
                #expect(byName.body.contains("id=\"unknown-user\"") && !byName.body.contains("data-id=\"stranger-001\""))
                #expect(try await browser.get("/admin/audit/export.csv?user=stranger").location?.hasPrefix("/admin/audit?") == true)

                let csv = try await browser.get("/admin/audit/export.csv?type=sign_in.*")
                #expect(csv.status == .ok && csv.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(csv.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"audit-default-") == true)
                #expect(csv.headers[.contentLength] == nil, "streamed, not built whole")
                let lines = csv.body.split(separator: "\r\n").map(String.init)
                #expect(lines.first == AuditExportEncoding.columns.joined(separator: ","))
                #expect(lines.filter { $0.contains(",tom,sign_in.") }.count == 5 && lines.dropFirst().allSatisfy { $0.contains(",sign_in.") })
                #expect(!csv.body.contains("stranger") && csv.body.contains(",tom,sign_in.failed,failure,bad_password,192.0.2.44,"))

                let jsonl = try await browser.get("/admin/audit/export.jsonl?user=tom&outcome=success")
                #expect(jsonl.headers[.contentType] == "application/x-ndjson" && jsonl.headers[.contentLength] == nil)
                let objects = try jsonl.body.split(separator: "\n").map {
                    try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
                }
                #expect(objects.count == 5 && objects.allSatisfy { $0["username"] as? String == "tom" && $0["outcome"] as? String == "success" })

                let exported = try await test.app.repositories.audit.list(organizationID: admin.organizationID, userID: nil, limit: 50)
                    .filter { $0.type == .auditExported }
                #expect(exported.count == 2 && exported.allSatisfy { $0.actor == .admin(admin.id) })
                #expect(exported.contains { $0.detail["format"] == "jsonl" && $0.detail["user_id"] != nil && $0.detail["outcome"] == "success" })
                #expect(exported.contains { $0.detail["format"] == "csv" && $0.detail["types"]?.contains("sign_in.failed") == true })
                #expect(!exported.contains { $0.detail.values.contains(stranger.id) })
            }
        }
    }
}
