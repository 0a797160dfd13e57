import Foundation
import Logging
import NIOCore
import SQLKit

/// Told how long each SQL statement took, by kind (`select`, `insert`, `update`, `delete`, `other`), for metrics.
/// Called on the statement's task; must be quick and must not throw.
public protocol StatementObserver: Sendable {
    func statementFinished(kind: String, duration: Duration)
}

/// An `SQLDatabase` that times every statement it forwards (inside transactions too: the session it hands out is
/// timed as well). The kind comes from the statement's type, without serializing it again.
struct TimedSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let observer: any StatementObserver

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let start = ContinuousClock.now
        let kind = Self.kind(of: query)
        return base.execute(sql: query, onRow).always { [observer] _ in
            observer.statementFinished(kind: kind, duration: ContinuousClock.now - start)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        let start = ContinuousClock.now
        defer { observer.statementFinished(kind: Self.kind(of: query), duration: ContinuousClock.now - start) }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { [observer] session in
            try await closure(TimedSQLDatabase(base: session, observer: observer))
        }
    }

    static func kind(of query: any SQLExpression) -> String {
        switch query {
        case is SQLSelect: "select"
        case is SQLInsert: "insert"
        case is SQLUpdate: "update"
        case is SQLDelete: "delete"
        default: "other"
        }
    }
}
