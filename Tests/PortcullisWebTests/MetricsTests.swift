import Foundation
import HTTPTypes
import PortcullisCore
import PortcullisStore
import PortcullisTestSupport
import Testing
@testable import PortcullisApp
@testable import PortcullisWeb

/// `/metrics` in the Prometheus text format, its counters fed by the same events as the audit log.
@Suite("Metrics")
struct MetricsTests {
    /// The value of the one sample named `series` (name and labels as written), or nil.
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("Sign-ins, lockouts and request durations show at /metrics and agree with the audit log", arguments: TestDatabase.engines)
    func countersFollowTheAuditLog(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let test = try await TestApp.make(database: db) { $0.policy.lockoutThreshold = 3; $0.server.trustProxy = true }
            _ = try await test.createUser("mona", password: "mona's long password")
            try await test.run { browser in
                let local: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "127.0.0.1"]
                #expect(try await browser.get("/metrics").status == .forbidden, "without a token, only a scraper on this host")
                let before = try await browser.send("/metrics", method: .get, body: nil, headers: local)
                #expect(before.status == .ok && before.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(Self.value(before.body, #"portcullis_sign_ins_total{outcome="failure"}"#) == 0, "present at zero")
                _ = try await browser.get("/login")
                for _ in 0..<3 { _ = try await browser.post("/login", ["username": "mona", "password": "wrong password here"]) }
                let after = try await browser.send("/metrics", method: .get, body: nil, headers: local).body
                let events = try await test.app.repositories.audit.list(organizationID: nil, userID: nil, limit: 500)
                let failures = events.filter { $0.type == .signInFailed }.count
                #expect(failures == 3)
                #expect(Self.value(after, #"portcullis_sign_ins_total{outcome="failure"}"#) == Double(failures))
                #expect(Self.value(after, "portcullis_lockouts_total") == Double(events.filter { $0.type == .accountLocked }.count))
                #expect(Self.value(after, "portcullis_lockouts_total") == 1)
                #expect(Self.value(after, #"portcullis_http_request_duration_seconds_count{route="/login",method="POST",status="401"}"#) == 3,
                        "\(after.split(separator: "\n").filter { $0.contains("http_request_duration_seconds_count") })")
                #expect(after.contains("portcullis_password_hash_wait_seconds_count"))
                #expect((Self.value(after, #"portcullis_db_statement_duration_seconds_count{kind="select"}"#) ?? 0) > 0)
                #expect((Self.value(after, #"portcullis_db_statement_duration_seconds_count{kind="update"}"#) ?? 0) > 0, "the lock and the attempt counters")
                #expect(!after.contains("mona") && !after.contains("wrong password"), "no user names or secrets in the figures")
            }
        }
    }

    @Test("With PORTCULLIS_METRICS_TOKEN set, /metrics answers only that bearer token")
    func token() async throws {
        try await TestDatabase.with(.sqlite) { db async throws in
            let test = try await TestApp.make(database: db) { $0.server.metricsToken = "s3cret-metrics-token" }
            try await test.run { browser in
                #expect(try await browser.get("/metrics").status == .unauthorized)
                let wrong = try await browser.send("/metrics", method: .get, body: nil, headers: [.authorization: "Bearer nope"])
                #expect(wrong.status == .unauthorized && !wrong.body.contains("portcullis_"))
                let right = try await browser.send("/metrics", method: .get, body: nil, headers: [.authorization: "Bearer s3cret-metrics-token"])
                #expect(right.status == .ok && right.body.contains("portcullis_sign_ins_total"))
            }
        }
    }
}
