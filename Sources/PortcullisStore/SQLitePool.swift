@preconcurrency import AsyncKit
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import SQLiteNIO

/// Opens SQLite connections set up for a server: write-ahead log so readers never wait for the writer, a busy
/// timeout instead of immediate `SQLITE_BUSY`, and foreign keys on.
///
/// SQLite calls block a thread, and a statement waiting for the write lock blocks its thread for up to the busy
/// timeout. The connections therefore run on their own thread pool with more threads than the pool has connections,
/// so a transaction holding the write lock always finds a thread for its next statement (on the shared pool, with one
/// thread per core, two waiting writers could starve it until the timeout).
struct SQLiteSource: ConnectionPoolSource {
    let path: String

    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        return pool
    }()

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: .file(path: path), threadPool: Self.threads, logger: logger, on: eventLoop)
            .flatMap { connection in
                let pragmas = ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL",
                               "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"]
                return pragmas.reduce(eventLoop.makeSucceededVoidFuture()) { future, pragma in
                    future.flatMap { connection.query(pragma).map { _ in } }
                }.map { connection }
            }
    }
}

/// An `SQLiteDatabase` that takes a pooled connection for each query, and one connection for a whole session
/// (so transactions stay on one connection).
struct SQLitePooledDatabase: SQLiteDatabase {
    let pool: EventLoopGroupConnectionPool<SQLiteSource>
    let logger: Logger

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }

    func query(_ query: String, _ binds: [SQLiteData], logger: Logger, _ onRow: @escaping @Sendable (SQLiteRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { $0.query(query, binds, logger: logger, onRow) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pool.withConnection(logger: logger, closure)
    }
}
