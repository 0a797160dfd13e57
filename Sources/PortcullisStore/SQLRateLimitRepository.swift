import Foundation
import PortcullisCore
import SQLKit

/// Sliding-window counters, one row per key: the current fixed window's hits and the previous window's. The estimate
/// of hits within the last `window` seconds is `previous × (share of the previous window still inside) + current`.
/// Reserving is one upsert whose `WHERE` admits the hit only while the estimate stays within the limit, so racing
/// requests on any number of nodes never pass more than the limit (both engines support
/// `ON CONFLICT … DO UPDATE … WHERE … RETURNING`, and re-check the condition on the row they lock).
struct SQLRateLimitRepository: RateLimitRepository {
    let db: PortcullisDatabase

    private static func windowStart(_ now: Date, _ window: TimeInterval) -> (start: Int64, length: Int64) {
        let length = max(1, Int64((window * 1000).rounded()))
        let millis = now.millis
        return (millis - millis % length, length)
    }

    func reserve(key: String, limit: Int, window: TimeInterval, now: Date) async throws -> Bool {
        guard limit > 0 else { return false }
        let (start, length) = Self.windowStart(now, window)
        let remaining = length - (now.millis - start)  // of the previous window, still inside the sliding one
        let row = try await db.sql.raw("""
            INSERT INTO rate_windows (bucket, window_start, hits, previous_hits)
            VALUES (\(bind: key), \(bind: start), 1, 0)
            ON CONFLICT (bucket) DO UPDATE SET
              previous_hits = CASE WHEN rate_windows.window_start = \(bind: start) THEN rate_windows.previous_hits
                                   WHEN rate_windows.window_start = \(bind: start - length) THEN rate_windows.hits ELSE 0 END,
              hits = CASE WHEN rate_windows.window_start = \(bind: start) THEN rate_windows.hits + 1 ELSE 1 END,
              window_start = \(bind: start)
            WHERE (CASE WHEN rate_windows.window_start = \(bind: start) THEN rate_windows.previous_hits
                        WHEN rate_windows.window_start = \(bind: start - length) THEN rate_windows.hits ELSE 0 END) * \(bind: remaining)
                  + (CASE WHEN rate_windows.window_start = \(bind: start) THEN rate_windows.hits ELSE 0 END + 1) * \(bind: length)
                  <= \(bind: Int64(limit)) * \(bind: length)
            RETURNING hits
            """).first()
        return row != nil
    }

    func release(key: String, window: TimeInterval, reservedAt: Date) async throws {
        let (start, length) = Self.windowStart(reservedAt, window)
        // The slot is in `hits` while its window is current, in `previous_hits` once the next one began.
        try await db.sql.raw("""
            UPDATE rate_windows SET
              hits = CASE WHEN window_start = \(bind: start) THEN hits - 1 ELSE hits END,
              previous_hits = CASE WHEN window_start = \(bind: start + length) THEN previous_hits - 1 ELSE previous_hits END
            WHERE bucket = \(bind: key)
              AND ((window_start = \(bind: start) AND hits > 0) OR (window_start = \(bind: start + length) AND previous_hits > 0))
            """).run()
    }

    func used(key: String, window: TimeInterval, now: Date) async throws -> Double {
        let (start, length) = Self.windowStart(now, window)
        guard let row = try await db.sql.select().columns("window_start", "hits", "previous_hits").from("rate_windows")
            .where("bucket", .equal, key).first() else { return 0 }
        let stored = try row.decode(column: "window_start", as: Int64.self)
        let hits = try row.decode(column: "hits", as: Int.self), previous = try row.decode(column: "previous_hits", as: Int.self)
        let overlap = Double(length - (now.millis - start)) / Double(length)
        if stored == start { return Double(previous) * overlap + Double(hits) }
        if stored == start - length { return Double(hits) * overlap }
        return 0
    }
}
