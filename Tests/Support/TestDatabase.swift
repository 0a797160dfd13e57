import Foundation
import PortcullisCore
import PortcullisStore
import SQLKit

/// Fresh, migrated databases for tests, on every engine available: SQLite always, PostgreSQL when
/// `PORTCULLIS_TEST_POSTGRES_URL` names a server (`make test` starts one and sets it).
public enum TestDatabase {
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PORTCULLIS_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The engines every storage test runs on.
    public static var engines: [PortcullisDatabase.Engine] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    /// Runs `body` with an empty, migrated database of `engine` (an SQLite file in a temporary folder, or a new
    /// PostgreSQL schema), removed afterwards.
    public static func with<T: Sendable>(_ engine: PortcullisDatabase.Engine, _ body: (PortcullisDatabase) async throws -> T) async throws -> T {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let database: PortcullisDatabase
        var cleanup: () async throws -> Void
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-tests/\(name)")
            database = try PortcullisDatabase.open(url: folder.appendingPathComponent("test.sqlite").path)
            cleanup = { try? FileManager.default.removeItem(at: folder) }
        case .postgres:
            guard let url = postgresURL else { throw TestDatabaseError.noPostgres }
            let admin = try PortcullisDatabase.open(url: url, connectionsPerEventLoop: 1)
            do {
                try await admin.sql.raw("CREATE SCHEMA \(ident: String(name))").run()
            } catch {
                try? await admin.shutdown()
                throw error
            }
            database = try PortcullisDatabase.open(url: url, postgresSchema: String(name), connectionsPerEventLoop: 2)
            cleanup = {
                // The admin pool is shut down even when dropping fails (a pool left open traps at deinit).
                do {
                    try await admin.sql.raw("DROP SCHEMA \(ident: String(name)) CASCADE").run()
                } catch {
                    try? await admin.shutdown()
                    throw error
                }
                try await admin.shutdown()
            }
        }
        do {
            try await Migrations.run(on: database)
            let result = try await body(database)
            try await database.shutdown()
            try await cleanup()
            return result
        } catch {
            try? await database.shutdown()
            try? await cleanup()
            throw error
        }
    }

    public enum TestDatabaseError: Error { case noPostgres }
}
