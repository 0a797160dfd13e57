import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// The `portcullis` command: serve, migrate, and administer organizations, users and keys.
@main
struct PortcullisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portcullis",
        abstract: "Self-hosted multi-factor authentication portal and identity server.",
        discussion: """
            Configuration comes from environment variables (PORTCULLIS_DATABASE_URL, PORTCULLIS_KEY, PORTCULLIS_BASE_URL, \
            PORTCULLIS_DEV, …) and an optional file named by PORTCULLIS_CONFIG; see the README.
            """,
        subcommands: [Serve.self, Migrate.self, Org.self, UserCommand.self, TokenCommand.self, APIKeyCommand.self, Key.self])
}

/// Loads the configuration, opens and migrates the database (with its default organization), and runs `body` with
/// the services (the composition root every front shares).
func withServices<T: Sendable>(_ body: @Sendable (Portcullis) async throws -> T) async throws -> T {
    try await Portcullis.run(try Configuration.load(), body)
}

/// Reports configuration and administration errors as one plain line ("Error: …", exit status 1), without the usage
/// text that belongs to mistyped arguments.
func reporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        throw CLIError(error.description)
    } catch let error as AccountAdministration.AdministrationError {
        throw CLIError(error.description)
    } catch let error as SecretBoxError {
        throw CLIError(error.description)
    } catch let error as TokenInventory.InventoryError {
        throw CLIError(error.description)
    }
}

/// A command that could not do its work, in words for whoever ran it.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        try await reporting {
            let (applied, version) = try await Portcullis.migrate(try Configuration.load())
            print(applied.isEmpty ? "Database is up to date (version \(version))."
                                  : "Applied \(applied.map { "\($0.version) \($0.name)" }.joined(separator: ", ")).")
        }
    }
}

struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Key-encryption key tools.", subcommands: [Generate.self])

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new random key for PORTCULLIS_KEY.")
        func run() async throws { print(SecretBox.generateKey()) }
    }
}
