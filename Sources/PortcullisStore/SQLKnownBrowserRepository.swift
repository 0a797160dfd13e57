import Foundation
import PortcullisCore
import SQLKit

/// Known browsers per user. A new one is told by `INSERT … ON CONFLICT DO NOTHING RETURNING` (the same on SQLite and
/// PostgreSQL): of requests racing with one browser, one inserts it and the others find it known.
struct SQLKnownBrowserRepository: KnownBrowserRepository {
    let db: PortcullisDatabase

    func recordSignIn(userID: String, browser: SessionBrowser, ip: String, at: Date) async throws -> Bool {
        let inserted = try await db.sql.raw("""
            INSERT INTO known_browsers (user_id, browser_hash, name, first_ip, last_ip, first_seen_at, last_seen_at)
            VALUES (\(bind: userID), \(bind: browser.idHash), \(bind: browser.name), \(bind: ip), \(bind: ip), \(bind: at.millis), \(bind: at.millis))
            ON CONFLICT (user_id, browser_hash) DO NOTHING RETURNING user_id
            """).first()
        if inserted != nil { return true }
        try await db.sql.update("known_browsers").set("last_seen_at", to: at.millis).set("last_ip", to: ip).set("name", to: browser.name)
            .where("user_id", .equal, userID).where("browser_hash", .equal, browser.idHash).run()
        return false
    }

    func count(userID: String) async throws -> Int {
        try await db.sql.raw("SELECT COUNT(*) AS n FROM known_browsers WHERE user_id = \(bind: userID)").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    func prune(userID: String, keep: Int) async throws {
        try await db.sql.raw("""
            DELETE FROM known_browsers WHERE user_id = \(bind: userID) AND browser_hash NOT IN (
              SELECT browser_hash FROM known_browsers WHERE user_id = \(bind: userID) ORDER BY last_seen_at DESC, browser_hash LIMIT \(bind: keep))
            """).run()
    }
}
