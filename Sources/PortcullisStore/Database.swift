@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// The database behind every repository: embedded SQLite (a file) or PostgreSQL, chosen by the URL.
///
/// Everything above this type speaks SQLKit and runs unchanged on both engines; the few statements that differ by
/// dialect are in `Engine`'s extension here and in `Migrations`.
public final class PortcullisDatabase: Sendable {
    public enum Engine: String, Sendable {
        case sqlite
        case postgres
    }

    public let engine: Engine
    /// Never logs queries: bound values can be password hashes or sealed secrets.
    public let sql: any SQLDatabase
    private let shutdownPool: @Sendable () async throws -> Void
    /// Bound to one connection inside a transaction: a nested `transaction` runs on it directly.
    let inTransaction: Bool
    /// SQLite: one transaction at a time from this process (shared with the `observed` copy).
    private let gate: TransactionGate

    /// Opens `url`: a `postgres://` (or `postgresql://`) URL, or else a path to an SQLite file (created if missing;
    /// `sqlite://` or `sqlite:` prefixes are accepted). `postgresSchema` puts every table in one schema (tests).
    /// `sqliteBusyTimeoutMilliseconds` is how long an SQLite statement waits for another process's lock (tests set 0
    /// to show that this process's own transactions never wait for one another in SQLite).
    public static func open(url: String, postgresSchema: String? = nil, connectionsPerEventLoop: Int = 4,
                            sqliteBusyTimeoutMilliseconds: Int = 10_000,
                            logger: Logger = Logger(label: "portcullis.db")) throws -> PortcullisDatabase {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            var configuration = try SQLPostgresConfiguration(url: url)
            if let postgresSchema { configuration.searchPath = [postgresSchema] }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: connectionsPerEventLoop, logger: logger, on: MultiThreadedEventLoopGroup.singleton)
            let sql = pool.database(logger: logger).sql(queryLogLevel: nil)
            return PortcullisDatabase(engine: .postgres, sql: sql) { try await pool.shutdownAsync() }
        }
        var path = url
        for prefix in ["sqlite://", "sqlite:"] where path.hasPrefix(prefix) { path = String(path.dropFirst(prefix.count)) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = SQLiteSource(path: path, busyTimeoutMilliseconds: sqliteBusyTimeoutMilliseconds)
        let pool = EventLoopGroupConnectionPool(
            source: source, maxConnectionsPerEventLoop: min(connectionsPerEventLoop, 2), logger: logger,
            on: MultiThreadedEventLoopGroup.singleton)
        let connections = SQLiteConnections(source: source, limit: min(connectionsPerEventLoop, 2) * 2, logger: logger)
        let sql = SQLitePooledDatabase(pool: pool, connections: connections, logger: logger)
            .sql(encoder: .init(), decoder: .init(), queryLogLevel: nil)
        return PortcullisDatabase(engine: .sqlite, sql: sql) {
            await connections.close()
            try await pool.shutdownAsync()
        }
    }

    init(engine: Engine, sql: any SQLDatabase, inTransaction: Bool = false, gate: TransactionGate = TransactionGate(),
         shutdown: @escaping @Sendable () async throws -> Void) {
        self.engine = engine
        self.sql = sql
        self.inTransaction = inTransaction
        self.gate = gate
        self.shutdownPool = shutdown
    }

    /// The same database (pool, transaction queue, shutdown) with every statement timed for `observer` (metrics).
    public func observed(by observer: any StatementObserver) -> PortcullisDatabase {
        PortcullisDatabase(engine: engine, sql: TimedSQLDatabase(base: sql, observer: observer), inTransaction: inTransaction,
                           gate: gate, shutdown: shutdownPool)
    }

    public func shutdown() async throws {
        try await shutdownPool()
    }

    /// Runs `body` in one transaction on one connection; rolls back if it throws. SQLite takes the write lock at
    /// the start (`BEGIN IMMEDIATE`) so two writers never deadlock upgrading a read lock.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        if inTransaction { return try await body(sql) }
        guard engine == .sqlite else { return try await run(body, begin: "BEGIN") }
        await gate.enter()
        do {
            let result = try await run(body, begin: "BEGIN IMMEDIATE")
            await gate.leave()
            return result
        } catch {
            await gate.leave()
            throw error
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T, begin: String) async throws -> T {
        try await sql.withSession { connection in
            try await connection.raw(SQLQueryString(begin)).run()
            do {
                let result = try await body(connection)
                try await connection.raw("COMMIT").run()
                return result
            } catch {
                try? await connection.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Whether the database answers (for `/readyz`).
    public func ping() async -> Bool {
        (try? await sql.raw("SELECT 1 AS ok").first()) != nil
    }
}

extension Date {
    /// Stored form of times: milliseconds since 1970 in a BIGINT, the same on both engines.
    var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(millis: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(millis) / 1000)
    }
}

extension SQLRow {
    func date(_ column: String) throws -> Date { Date(millis: try decode(column: column, as: Int64.self)) }
    func optionalDate(_ column: String) throws -> Date? { try decode(column: column, as: Int64?.self).map(Date.init(millis:)) }
    /// Booleans are stored as 0/1 integers on both engines.
    func bool(_ column: String) throws -> Bool { try decode(column: column, as: Int.self) != 0 }
    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
}
