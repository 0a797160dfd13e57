import Foundation
import PortcullisCore
import PortcullisCrypto
import PortcullisStore
import PortcullisTestSupport
import Testing

@Suite("The audit log for administrators: filters, keyset pages, scopes and streamed exports")
struct AuditTrailTests {
    /// Events of the tests start here, after what setting up wrote.
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    /// Two organizations with a user each, and `events` appended as given.
    struct World {
        let s: TestServices
        let north: Organization
        let south: Organization
        let nina: User
        let sam: User
    }

    static func world(_ db: PortcullisDatabase) async throws -> World {
        let s = try TestServices(database: db)
        let north = try await s.administration.createOrganization(slug: "north", name: "North", actor: .cli)
        let south = try await s.administration.createOrganization(slug: "south", name: "South", actor: .cli)
        let nina = try await s.administration.createUser(organization: north, username: "nina", displayName: "Nina", password: "nina's long password", actor: .cli)
        let sam = try await s.administration.createUser(organization: south, username: "sam", displayName: "Sam", password: "sam's long password", actor: .cli)
        return World(s: s, north: north, south: south, nina: nina, sam: sam)
    }

    static func event(_ id: String, _ organization: Organization, _ user: User?, _ type: AuditEventType, at: Date, actor: AuditActor = .cli,
                      reason: String? = nil, detail: [String: String] = [:]) -> AuditEvent {
        AuditEvent(id: id, organizationID: organization.id, userID: user?.id, actor: actor, type: type, reason: reason, ipAddress: "192.0.2.9",
                   detail: detail, createdAt: at)
    }

    /// Every page of `query` through the trail, following the cursors; fails on a page over the limit.
    static func allPages(_ trail: AuditTrail, _ query: AuditQuery, scope: AdminScope) async throws -> (ids: [String], pages: Int) {
        var query = query
        var ids: [String] = []
        var pages = 0
        while true {
            let (entries, next) = try await trail.page(query, scope: scope)
            #expect(entries.count <= query.limit)
            ids += entries.map(\.event.id)
            pages += 1
            guard let next else { return (ids, pages) }
            #expect(entries.count == query.limit, "only the last page is short")
            query.after = AuditCursor(token: next.token)
            #expect(query.after == next, "the cursor survives its opaque form")
        }
    }

    @Test("Keyset pages, newest first: no duplicate and no gap when many events share one millisecond", arguments: TestDatabase.engines)
    func paging(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let w = try await Self.world(db)
            // 130 events in one millisecond between 40 earlier and 30 later ones, appended in a shuffled order.
            var events = (0..<130).map { Self.event(String(format: "same-%03d", $0), w.north, w.nina, .factorSucceeded, at: Self.t0.addingTimeInterval(10)) }
            events += (0..<40).map { Self.event(String(format: "early-%03d", $0), w.north, w.nina, .signInSucceeded, at: Self.t0.addingTimeInterval(Double($0) / 1000)) }
            events += (0..<30).map { Self.event(String(format: "late-%03d", $0), w.north, nil, .userCreated, at: Self.t0.addingTimeInterval(20 + Double($0))) }
            events.shuffle()
            for chunk in stride(from: 0, to: events.count, by: 60) { try await w.s.repositories.audit.append(Array(events[chunk..<min(chunk + 60, events.count)])) }
            let expected = events.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id)

            let query = AuditQuery(organizationID: w.north.id, from: Self.t0, limit: 50)
            let (ids, pages) = try await Self.allPages(w.s.app.auditTrail, query, scope: .cli)
            #expect(ids == expected)
            #expect(pages == 4 && Set(ids).count == 200)
            // Page sizes that end inside the millisecond, and the repository's own pages.
            for limit in [1, 7, 129, 130, 131, 200, 201] {
                #expect(try await Self.allPages(w.s.app.auditTrail, AuditQuery(organizationID: w.north.id, from: Self.t0, limit: limit), scope: .cli).ids == expected)
            }
            var streamed: [String] = []
            var batches: [Int] = []
            try await w.s.repositories.audit.stream(query, batch: 13) { batch in
                batches.append(batch.count)
                streamed += batch.map(\.id)
            }
            #expect(streamed == expected && batches.allSatisfy { $0 <= 13 } && batches.count == 16)
            // A cursor from a row that is gone still pages on from its place.
            var after = query
            after.after = AuditCursor(createdAt: Self.t0.addingTimeInterval(10), id: "same-064x")
            #expect(try await w.s.app.auditTrail.page(after, scope: .cli).entries.first?.event.id == "same-064")
        }
    }

    @Test("Filters: user, one type, a family, outcome (per type) and a half-open time range", arguments: TestDatabase.engines)
    func filters(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let w = try await Self.world(db)
            let bob = try await w.s.administration.createUser(organization: w.north, username: "bob", displayName: "Bob",
                                                              password: "bob's long password", actor: .cli)
            let t = { (s: Double) in Self.t0.addingTimeInterval(s) }
            try await w.s.repositories.audit.append([
                Self.event("a1", w.north, w.nina, .signInFailed, at: t(1), actor: .user(w.nina.id), reason: "bad_password"),
                Self.event("a2", w.north, w.nina, .signInSucceeded, at: t(2), actor: .user(w.nina.id)),
                Self.event("a3", w.north, bob, .factorFailed, at: t(3), actor: .user(bob.id), reason: "bad_code"),
                Self.event("a4", w.north, bob, .accountLocked, at: t(4), actor: .system),
                Self.event("a5", w.north, bob, .accountUnlocked, at: t(5), actor: .admin(w.nina.id)),
                Self.event("a6", w.north, nil, .signInFailed, at: t(6), actor: .anonymous, reason: "unknown_user", detail: ["username": "ghost"]),
                Self.event("b1", w.south, w.sam, .signInFailed, at: t(1), actor: .user(w.sam.id), reason: "bad_password"),
            ])
            func ids(_ change: (inout AuditQuery) -> Void) async throws -> [String] {
                var q = AuditQuery(organizationID: w.north.id, from: Self.t0)
                change(&q)
                return try await w.s.app.auditTrail.page(q, scope: .cli).entries.map(\.event.id)
            }
            #expect(try await ids { _ in } == ["a6", "a5", "a4", "a3", "a2", "a1"])
            #expect(try await ids { $0.userID = w.nina.id } == ["a2", "a1"])
            #expect(try await ids { $0.types = [.signInFailed] } == ["a6", "a1"])
            #expect(try await ids { $0.types = Set(AuditEventType.matching("sign_in.*") ?? []) } == ["a6", "a2", "a1"])
            #expect(try await ids { $0.types = Set(AuditEventType.matching("account.*") ?? []) } == ["a5", "a4"])
            #expect(try await ids { $0.outcome = .failure } == ["a6", "a4", "a3", "a1"])
            #expect(try await ids { $0.outcome = .success } == ["a5", "a2"])
            #expect(try await ids { $0.outcome = .success; $0.types = [.signInFailed] }.isEmpty)
            #expect(try await ids { $0.userID = bob.id; $0.outcome = .failure } == ["a4", "a3"])
            #expect(try await ids { $0.from = t(2); $0.to = t(5) } == ["a4", "a3", "a2"], "from is included, to is not")
            #expect(try await ids { $0.from = t(5); $0.to = t(5) }.isEmpty)
            // Operators and the command line may read every organization; a user's events are found without one.
            #expect(try await ids { $0.organizationID = nil; $0.types = [.signInFailed] } == ["a6", "b1", "a1"], "one millisecond: by id")
            #expect(try await ids { $0.organizationID = nil; $0.userID = w.sam.id } == ["b1"])

            // Names: one lookup for the page; an anonymous attempt keeps the name it was made with.
            let entries = try await w.s.app.auditTrail.page(AuditQuery(organizationID: w.north.id, from: Self.t0), scope: .cli).entries
            let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.event.id, $0) })
            #expect(byID["a5"]?.username == "bob" && byID["a5"]?.actorName == "nina")
            #expect(byID["a6"]?.username == "ghost" && byID["a6"]?.actorName == nil)
            #expect(byID["a4"]?.event.type.outcome == .failure && byID["a5"]?.event.type.outcome == .success)
        }
    }

    @Test("An organization admin sees their organization only: not by naming another, nor by another's user id", arguments: TestDatabase.engines)
    func scopes(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let w = try await Self.world(db)
            try await w.s.repositories.audit.append([
                Self.event("n1", w.north, w.nina, .signInSucceeded, at: Self.t0),
                Self.event("s1", w.south, w.sam, .signInSucceeded, at: Self.t0),
            ])
            let northAdmin = AdminScope(actor: .admin(w.nina.id), organizationID: w.north.id)
            let trail = w.s.app.auditTrail
            func ids(_ q: AuditQuery, _ scope: AdminScope) async throws -> [String] {
                try await trail.page(q, scope: scope).entries.map(\.event.id)
            }
            #expect(try await ids(AuditQuery(organizationID: w.north.id, from: Self.t0), northAdmin) == ["n1"])
            #expect(try await ids(AuditQuery(organizationID: nil, from: Self.t0), northAdmin) == ["n1"], "no organization means their own")
            #expect(try await ids(AuditQuery(organizationID: w.south.id, from: Self.t0), northAdmin).isEmpty)
            #expect(try await ids(AuditQuery(organizationID: w.north.id, userID: w.sam.id), northAdmin).isEmpty)
            #expect(try await ids(AuditQuery(organizationID: nil, userID: w.sam.id), northAdmin).isEmpty)
            #expect(try await ids(AuditQuery(organizationID: w.south.id, from: Self.t0), .cli) == ["s1"])

            var text = ""
            let rows = try await trail.export(AuditQuery(organizationID: w.south.id), scope: northAdmin, format: .jsonl) { text += $0 }
            #expect(rows == 0 && text.isEmpty, "another organization's export holds nothing")
            let csvRows = try await trail.export(AuditQuery(organizationID: nil, userID: w.sam.id), scope: northAdmin, format: .csv) { text += $0 }
            #expect(csvRows == 0 && text == AuditExportEncoding.header(.csv))
            let south = try await w.s.repositories.audit.list(organizationID: w.south.id, userID: nil, limit: 50)
            #expect(!south.contains { $0.type == .auditExported }, "a refused export is in the exporter's log, not the other's")
            #expect(try await w.s.repositories.audit.list(organizationID: w.north.id, userID: nil, limit: 50).filter { $0.type == .auditExported }.count == 2)
        }
    }

    @Test("Exports: CSV (RFC 4180, formulas neutralized) and JSON lines, a batch at a time, each export audited", arguments: TestDatabase.engines)
    func exports(engine: PortcullisDatabase.Engine) async throws {
        try await TestDatabase.with(engine) { db async throws in
            let w = try await Self.world(db)
            let nasty = "=HYPERLINK(\"http://x\",\"a, b\")\nline two"
            var events = (0..<25).map { Self.event(String(format: "e%02d", $0), w.north, w.nina, .signInSucceeded, at: Self.t0.addingTimeInterval(Double($0))) }
            events.append(Self.event("zz", w.north, w.nina, .signInFailed, at: Self.t0.addingTimeInterval(100), actor: .apiClient("key-1"),
                                     reason: "-bad_code", detail: ["username": "+nina", "note": nasty, "quote": "\"@\""]))
            try await w.s.repositories.audit.append(events)
            let scope = AdminScope(actor: .admin(w.nina.id), organizationID: w.north.id)
            let trail = AuditTrail(repositories: w.s.repositories, audit: AuditLog(repository: w.s.repositories.audit, clock: w.s.clock, random: SystemRandomSource()),
                                   batch: 10)
            var chunks: [String] = []
            let query = AuditQuery(organizationID: w.north.id, from: Self.t0)
            let count = try await trail.export(query, scope: scope, format: .csv, ip: "198.51.100.4") { chunks.append($0) }
            #expect(count == 26 && chunks.count == 1 + 3, "the header, then one write per batch of 10")
            let records = CSV.parse(chunks.joined())
            #expect(records.count == 27 && records[0] == AuditExportEncoding.columns)
            let header = records[0]
            let row = { (name: String, record: [String]) in record[header.firstIndex(of: name)!] }
            let first = records[1]
            #expect(row("id", first) == "zz" && row("type", first) == "sign_in.failed" && row("outcome", first) == "failure")
            #expect(row("reason", first) == "'-bad_code" && row("actor", first) == "api:key-1" && row("username", first) == "nina")
            #expect(row("time", first) == "2025-06-15T15:08:20.000Z")
            let detail = try JSONSerialization.jsonObject(with: Data(row("detail", first).utf8)) as? [String: String]
            #expect(detail?["note"] == nasty && detail?["quote"] == "\"@\"", "the detail's JSON survives CSV quoting whole")
            #expect(records.dropFirst().map { row("id", $0) } == ["zz"] + (0..<25).reversed().map { String(format: "e%02d", $0) })
            #expect(AuditExportEncoding.csvField("@SUM(A1)") == "'@SUM(A1)" && AuditExportEncoding.csvField("+1") == "'+1")
            #expect(AuditExportEncoding.csvField("a,\"b\"") == "\"a,\"\"b\"\"\"" && AuditExportEncoding.csvField("\tx") == "'\tx")

            var lines = ""
            _ = try await trail.export(query, scope: scope, format: .jsonl, ip: "198.51.100.4") { lines += $0 }
            let objects = try lines.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
            #expect(objects.count == 26 && lines.hasSuffix("\n"))
            #expect(objects[0]["id"] as? String == "zz" && objects[0]["reason"] as? String == "-bad_code", "JSON needs no neutralizing")
            #expect((objects[0]["detail"] as? [String: String])?["note"] == nasty && objects[0]["ip"] as? String == "192.0.2.9")
            #expect(objects[1]["reason"] is NSNull && objects[1]["username"] as? String == "nina" && objects[1]["outcome"] as? String == "success")
            #expect(Set(objects[0].keys) == Set(AuditExportEncoding.columns))

            // Both exports are in the log: who, from where, which format and filter; never a secret.
            let exported = try await w.s.repositories.audit.list(organizationID: w.north.id, userID: nil, limit: 100).filter { $0.type == .auditExported }
            #expect(exported.count == 2)
            #expect(exported.allSatisfy { $0.actor == .admin(w.nina.id) && $0.ipAddress == "198.51.100.4" })
            #expect(Set(exported.compactMap { $0.detail["format"] }) == ["csv", "jsonl"] && exported.allSatisfy { $0.detail["from"] != nil })
        }
    }
}

/// A small RFC 4180 reader for the tests: quoted fields with doubled quotes, commas and line breaks; CRLF records.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = ""
        var quoted = false, wasQuoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" { field.unicodeScalars.append("\""); scalars.removeFirst() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true
            } else if c == "," {
                record.append(field); field = ""; wasQuoted = false
            } else if c == "\r" && scalars.first == "\n" {
                scalars.removeFirst()
                record.append(field); records.append(record); record = []; field = ""; wasQuoted = false
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
