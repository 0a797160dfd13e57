import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortcullisCore
import PortcullisStore
@testable import PortcullisApp
@testable import PortcullisWeb
import PortcullisTestSupport
import Testing

/// Racing requests through the whole HTTP stack: only clear answers (never a 500), nothing sent for a request that
/// then fails, and other users unaffected.
@Suite("Bursts of parallel requests over HTTP, on SQLite and PostgreSQL")
struct BurstTests {
    let password = "sam's long password"

    /// Posts a form with `browser`'s cookies and last CSRF token, without touching its cookie jar (safe to run in
    /// parallel); returns the status.
    static func post(_ browser: Browser, _ path: String, _ fields: [String: String]) async throws -> HTTPResponse.Status {
        var fields = fields
        fields["csrf"] = browser.pageToken ?? ""
        let body = fields.map { "\(Browser.escape($0.key))=\(Browser.escape($0.value))" }.joined(separator: "&")
        let headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded",
                                   .cookie: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
        return try await browser.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)).status
    }

    @Test("40 parallel SMS enrollments and 30 parallel sends: clear answers, limits hold, others unaffected", arguments: TestDatabase.engines)
    func sendBursts(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db)
            _ = try await test.createUser("sam", password: password)
            _ = try await test.createUser("otto", password: password)
            try await test.run { browser in
                try await SettingsTests.signIn(browser, "sam", password)
                _ = try await browser.get("/enroll/sms")
                let outbox = try #require(test.app.outbox)
                let before = outbox.messages().count
                // 40 enrollments with 40 numbers at once, while another user signs in and the server is asked if it is ready.
                let other = Browser(browser.client)
                _ = try await other.get("/login")
                async let signIn = try? other.post("/login", ["username": "otto", "password": password])
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for n in 0..<40 {
                        group.addTask { try await Self.post(browser, "/enroll/sms", ["country": "US", "number": "415555\(String(format: "%04d", n))"]) }
                    }
                    group.addTask { try await browser.client.execute(uri: "/readyz", method: .get).status }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == .seeOther || $0 == .ok }, "\(Set(statuses.map(\.code)))")
                #expect(outbox.messages().count - before == 5, "the per-user hourly limit: five texts placed")
                // How long the other sign-in takes is measured by `make bench-burst`, not here (the suites run in parallel
                // on a shared machine); `TransactionGateTests` checks that racing writers wait as tasks, not in SQLite's
                // busy handler. Here: it finishes and works.
                _ = await signIn
                #expect(try await other.get("/login/enroll").status == .ok, "and it worked")

                // 30 parallel "Send a new code" for one factor (otto's, enrolling): one text, every answer a redirect.
                #expect(try await other.post("/login/enroll/skip", [:]).location == "/portal")
                _ = try await other.get("/enroll/sms")
                let confirmPage = try await other.submit("/enroll/sms", ["country": "US", "number": "4155550199"])
                let factorID = try #require(firstMatch("name=\"factor_id\" value=\"([^\"]+)\"", in: confirmPage.body))
                test.clock.advance(by: 60)  // past the cooldown
                let sent = outbox.messages().count
                let resends = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for _ in 0..<30 { group.addTask { try await Self.post(other, "/enroll/sms/resend", ["factor_id": factorID]) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(resends.allSatisfy { $0 == .seeOther }, "\(Set(resends.map(\.code)))")
                #expect(outbox.messages().count - sent == 1, "one code per cooldown")
            }
        }
    }
}
