import Foundation
import Logging
import PortcullisCore
import PortcullisStore

extension Portcullis {
    /// Opens the configured database, migrates it (logging what was applied), creates the default organization when
    /// missing, runs `body` with the services, and always closes the database again.
    public static func run<T: Sendable>(_ configuration: Configuration, logger: Logger = Logger(label: "portcullis"),
                                        _ body: (Portcullis) async throws -> T) async throws -> T {
        _ = try configuration.secretBox()  // a command that cannot run creates nothing: no database before this passes
        let database = try PortcullisDatabase.open(url: configuration.storage.databaseURL, logger: logger)
        do {
            let applied = try await Migrations.run(on: database)
            if !applied.isEmpty { logger.info("database migrated", metadata: ["versions": "\(applied.map(\.version))"]) }
            let app = try Portcullis(configuration: configuration, database: database)
            try await app.administration.ensureDefaultOrganization()
            let result = try await body(app)
            try await database.shutdown()
            return result
        } catch {
            try? await database.shutdown()
            throw error
        }
    }

    /// Applies pending migrations (and the default organization) and returns what was applied and the version now.
    public static func migrate(_ configuration: Configuration) async throws -> (applied: [(version: Int, name: String)], version: Int) {
        _ = try configuration.secretBox()
        let database = try PortcullisDatabase.open(url: configuration.storage.databaseURL)
        do {
            let applied = try await Migrations.run(on: database)
            try await Portcullis(configuration: configuration, database: database).administration.ensureDefaultOrganization()
            let version = try await Migrations.appliedVersions(on: database).last ?? 0
            try await database.shutdown()
            return (applied.map { ($0.version, $0.name) }, version)
        } catch {
            try? await database.shutdown()
            throw error
        }
    }
}
