// The audit log on a million events (issue 10 point 5): one organization's events written in one transaction with
// multi-row INSERTs, then the admin page's queries through `AuditTrail` — the first page, a deep page (a cursor near
// the oldest event), filtered pages (one user, one rare type, one common type, the failures) — and a full CSV export,
// streamed to a counting sink. Run with `make bench-audit` (or `portcullis-bench audit [COUNT]`).
import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport

/// Writes `count` events into one organization and measures the audit log's pages and export on `engine`.
func auditBenchmark(engine: PortcullisDatabase.Engine, count: Int) async throws {
    try await TestDatabase.with(engine) { db in
        let s = try TestServices(database: db)
        let organization = try await s.administration.createOrganization(slug: "bench", name: "Bench", actor: .cli)
        var users: [User] = []
        for n in 0..<20 {
            users.append(try await s.administration.createUser(organization: organization, username: "user\(n)", displayName: "User \(n)",
                                                                password: "bench user password \(n)", actor: .cli))
        }
        // 200 users (the first 20 real accounts), 1 event every 2.5 s with bursts of three in one millisecond, about
        // 29 days; the mix of a sign-in-heavy log: 1 in 1,000 is a token assignment.
        let userIDs = users.map(\.id) + (20..<200).map { "gone-\($0)" }
        let start = Date(timeIntervalSince1970: 1_750_000_000)
        let writeStart = ContinuousClock.now
        let batch = 1000
        try await s.repositories.atomically { r in
            for first in stride(from: 0, to: count, by: batch) {
                let events = (first..<min(first + batch, count)).map { i in
                    let t = benchEventType(i)
                    return AuditEvent(id: String(format: "%08x-bench", i), organizationID: organization.id, userID: userIDs[i % userIDs.count],
                                      actor: .user(userIDs[i % userIDs.count]), type: t, reason: t.outcome == .failure ? "bad_password" : nil,
                                      ipAddress: "192.0.2.\(i % 250)", detail: ["stage": "password"],
                                      createdAt: start.addingTimeInterval(Double(i / 3) * 7.5))
                }
                try await r.audit.append(events)
            }
        }
        let written = ContinuousClock.now - writeStart
        print(String(format: "%-52@ %9.1f s   (%.0f events/s)", "write \(count) events (1 transaction, 1000 a statement)" as NSString,
                     written.seconds, Double(count) / written.seconds))
        if engine == .postgres { try await db.sql.raw("ANALYZE audit_events").run() }  // what autovacuum does after a load

        let trail = AuditTrail(repositories: s.repositories, audit: AuditLog(repository: s.repositories.audit, clock: s.clock, random: SystemRandomSource()))
        let scope = AdminScope(actor: .admin(users[0].id), organizationID: organization.id)
        let page = AuditQuery(organizationID: organization.id, limit: 50)
        let oldest = count / 1000
        var deep = page
        deep.after = AuditCursor(createdAt: start.addingTimeInterval(Double(oldest / 3) * 7.5), id: String(format: "%08x-bench", oldest))
        var user = page
        user.userID = users[7].id
        var deepUser = user
        deepUser.after = deep.after
        var rare = page
        rare.types = [.tokenAssigned]
        var common = page
        common.types = [.signInFailed]
        var failures = page
        failures.outcome = .failure
        var family = page
        family.types = Set(AuditEventType.matching("token.*") ?? [])
        for (name, query) in [("first page (50 rows, names resolved)", page), ("deep page (cursor at the oldest 0.1%)", deep),
                              ("one user's first page", user), ("one user's deep page", deepUser), ("one type, rare (0.1%)", rare),
                              ("one type, common (10%)", common), ("failures (outcome, 7 types)", failures),
                              ("a family, rare (token.*)", family)] {
            let rows = try await trail.page(query, scope: scope).entries.count
            try await timed("audit \(name), \(rows) rows", iterations: 50) {
                _ = try await trail.page(query, scope: scope)
            }
        }
        for format in AuditExportFormat.allCases {
            var bytes = 0
            let exportStart = ContinuousClock.now
            let rows = try await trail.export(AuditQuery(organizationID: organization.id), scope: scope, format: format) { bytes += $0.utf8.count }
            let elapsed = ContinuousClock.now - exportStart
            print(String(format: "%-52@ %9.1f s   (%.0f rows/s, %.1f MB/s, %d rows)", "full \(format.rawValue) export, streamed" as NSString,
                         elapsed.seconds, Double(rows) / elapsed.seconds, Double(bytes) / 1e6 / elapsed.seconds, rows))
        }
    }
}

/// Prints the median and 90th percentile of `iterations` runs of `body`, in milliseconds.
func timed(_ name: String, iterations: Int, _ body: () async throws -> Void) async rethrows {
    var samples: [Double] = []
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        try await body()
        samples.append((ContinuousClock.now - start).seconds * 1000)
    }
    samples.sort()
    print(String(format: "%-52@ median %9.3f ms   p90 %9.3f ms   (n=%d)", name as NSString, samples[samples.count / 2],
                 samples[samples.count * 9 / 10], iterations))
}

/// The bench's mix of types, spread evenly by a multiplicative hash of the event's number.
func benchEventType(_ i: Int) -> AuditEventType {
    switch Int((UInt64(i) &* 2_654_435_761) % 1000) {
    case 0..<350: .signInSucceeded
    case 350..<700: .factorSucceeded
    case 700..<800: .signInFailed
    case 800..<850: .factorFailed
    case 850..<930: .codeSent
    case 930..<940: .accountLocked
    case 940..<941: .tokenAssigned
    default: .signedOut
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
