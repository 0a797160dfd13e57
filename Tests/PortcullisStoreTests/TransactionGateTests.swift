import Foundation
import PortcullisStore
import SQLKit
import Testing

/// SQLite has one writer. Racing write transactions from one process wait their turn as suspended tasks, never in
/// SQLite's busy handler (a blocked thread sleeping in growing steps, which once stalled every other request for up to
/// the 10-second busy timeout). The effect on other users' requests is measured by `make bench-burst`, not by a timer
/// here: the suites run in parallel on a shared machine.
@Suite("SQLite transactions take turns in the process, not in the busy handler")
struct TransactionGateTests {
    @Test("40 racing write transactions with no busy timeout at all: none meets SQLite's lock, every one commits")
    func oneAtATime() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-tests/gate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // With a busy timeout of 0, a transaction that found another one holding the write lock would fail at once
        // with SQLITE_BUSY instead of waiting.
        let db = try PortcullisDatabase.open(url: folder.appendingPathComponent("gate.sqlite").path, sqliteBusyTimeoutMilliseconds: 0)
        do {
            try await db.sql.raw("CREATE TABLE gate_probe (n INTEGER NOT NULL)").run()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<40 {
                    group.addTask {
                        try await db.transaction { sql in
                            try await sql.raw("INSERT INTO gate_probe (n) VALUES (\(bind: n))").run()
                            await Task.yield()
                            try await sql.raw("UPDATE gate_probe SET n = n WHERE n = \(bind: n)").run()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await db.sql.raw("SELECT COUNT(*) AS count FROM gate_probe").first(decoding: Count.self)
            #expect(rows?.count == 40)
        } catch {
            try await db.shutdown()
            throw error
        }
        try await db.shutdown()
    }

    private struct Count: Decodable { let count: Int }
}
