import Foundation

/// Where the data lives (`PORTCULLIS_DATABASE_URL`): an SQLite path or a `postgres://` URL, and the directory kept
/// with it. Its description never prints a PostgreSQL URL (it may carry a password).
public struct StorageSettings: Sendable, Equatable {
    /// An SQLite path or a `postgres://` URL.
    public var databaseURL = "data/portcullis.sqlite"

    public init() {}

    public init(reading read: ConfigurationReader) throws {
        if let v = read.string("PORTCULLIS_DATABASE_URL") { databaseURL = v }
    }

    /// Whether the database is PostgreSQL (else SQLite).
    public var isPostgres: Bool { databaseURL.hasPrefix("postgres") }

    /// Where files that belong with the data are kept (the development key, the initial administrator's notice): the
    /// SQLite database's directory, or `data/` under the working directory with PostgreSQL.
    public var dataDirectory: String {
        isPostgres ? URL(fileURLWithPath: "data").path : URL(fileURLWithPath: databaseURL).deletingLastPathComponent().path
    }
}

extension StorageSettings: CustomStringConvertible, CustomReflectable {
    /// Names the engine only for PostgreSQL (its URL may hold a password).
    public var description: String { "StorageSettings(database: \(isPostgres ? "postgres" : databaseURL))" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
