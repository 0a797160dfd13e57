import Foundation
import PortcullisCore
import SQLKit

/// Fixed-window counters in one upsert (both engines support `ON CONFLICT … DO UPDATE … RETURNING`).
struct SQLRateLimitRepository: RateLimitRepository {
    let db: PortcullisDatabase

    func hit(key: String, windowStart: Date) async throws -> Int {
        let row = try await db.sql.raw("""
            INSERT INTO rate_limits (bucket, window_start, hits) VALUES (\(bind: key), \(bind: windowStart.millis), 1)
            ON CONFLICT (bucket) DO UPDATE SET
              hits = CASE WHEN rate_limits.window_start = excluded.window_start THEN rate_limits.hits + 1 ELSE 1 END,
              window_start = excluded.window_start
            RETURNING hits
            """).first()
        return try row?.decode(column: "hits", as: Int.self) ?? 0
    }

    func count(key: String, windowStart: Date) async throws -> Int {
        let row = try await db.sql.select().columns("hits").from("rate_limits")
            .where("bucket", .equal, key).where("window_start", .equal, windowStart.millis).first()
        return try row?.decode(column: "hits", as: Int.self) ?? 0
    }
}
