@preconcurrency import AsyncKit
import Foundation
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
    /// How long a statement waits for another connection's lock before `SQLITE_BUSY`.
    var busyTimeoutMilliseconds = 10_000

    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 32)
        pool.start()
        return pool
    }()

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        SQLiteConnection.open(storage: .file(path: path), threadPool: Self.threads, logger: logger, on: eventLoop)
            .flatMap { connection in
                let pragmas = ["PRAGMA busy_timeout = \(busyTimeoutMilliseconds)", "PRAGMA journal_mode = WAL",
                               "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                               // Pages read through a memory map rather than a read() per page per statement.
                               "PRAGMA mmap_size = 268435456"]
                return pragmas.reduce(eventLoop.makeSucceededVoidFuture()) { future, pragma in
                    future.flatMap { connection.query(pragma).map { _ in } }
                }.map { connection }
            }
    }
}

/// An `SQLiteDatabase` that takes a pooled connection for each query, and one connection for a whole session
/// (so transactions stay on one connection).
///
/// SQLKit's async calls (every repository's) go through `connections`: a statement hops from the calling task to a
/// database thread and straight back, where the event-loop pool (kept for the future-based calls) added a hop to an
/// event loop to check a connection out and another to hand each row and the result back, per statement.
struct SQLitePooledDatabase: SQLiteDatabase {
    let pool: EventLoopGroupConnectionPool<SQLiteSource>
    let connections: SQLiteConnections
    let logger: Logger

    var eventLoop: any EventLoop { pool.eventLoopGroup.any() }

    func query(_ query: String, _ binds: [SQLiteData], logger: Logger, _ onRow: @escaping @Sendable (SQLiteRow) -> Void) -> EventLoopFuture<Void> {
        pool.withConnection(logger: logger) { $0.query(query, binds, logger: logger, onRow) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        pool.withConnection(logger: logger, closure)
    }

    func query(_ query: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (SQLiteRow) -> Void) async throws {
        try await connections.withConnection { try await $0.query(query, binds, onRow) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await connections.withConnection(closure)
    }
}

/// SQLite connections lent to one async caller at a time: opened on demand up to `limit`, then callers wait in
/// order for one to be given back.
final class SQLiteConnections: @unchecked Sendable {
    private let source: SQLiteSource
    private let limit: Int
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [SQLiteConnection] = []
    private var opened = 0
    private var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
    private var closed = false

    init(source: SQLiteSource, limit: Int, logger: Logger) {
        self.source = source
        self.limit = limit
        self.logger = logger
    }

    func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await lease()
        do {
            let result = try await body(connection)
            giveBack(connection)
            return result
        } catch {
            giveBack(connection)
            throw error
        }
    }

    private func lease() async throws -> SQLiteConnection {
        try await withCheckedThrowingContinuation { continuation in
            lock.lock()
            if closed {
                lock.unlock()
                continuation.resume(throwing: SQLiteConnectionsClosed())
            } else if let connection = idle.popLast() {
                lock.unlock()
                continuation.resume(returning: connection)
            } else if opened < limit {
                opened += 1
                lock.unlock()
                let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
                source.makeConnection(logger: logger, on: eventLoop).whenComplete { result in
                    if case .failure = result { self.lock.withLock { self.opened -= 1 } }
                    continuation.resume(with: result)
                }
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    private func giveBack(_ connection: SQLiteConnection) {
        lock.lock()
        if closed {
            lock.unlock()
            _ = connection.close()
        } else if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            lock.unlock()
            waiter.resume(returning: connection)
        } else {
            idle.append(connection)
            lock.unlock()
        }
    }

    /// Closes the idle connections; later leases fail. Call once every query has finished.
    func close() async {
        let toClose: [SQLiteConnection] = lock.withLock {
            closed = true
            defer { idle = [] }
            return idle
        }
        for connection in toClose { try? await connection.close() }
    }
}

/// A query after the database was shut down.
struct SQLiteConnectionsClosed: Error {}
