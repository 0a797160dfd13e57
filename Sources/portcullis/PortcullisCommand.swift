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
        subcommands: [Serve.self, Migrate.self, Org.self, UserCommand.self, GroupCommand.self, PolicyCommand.self, PasswordCommand.self, TokenCommand.self, APIKeyCommand.self,
                      AuditCommand.self, Key.self])

    /// Runs the chosen command; a `CLIError` becomes one line on standard error and its exit code, anything else is
    /// reported by the argument parser (usage text for mistyped arguments).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("Error: \(error.description)\n".utf8))
            Foundation.exit(error.exitCode)
        } catch {
            exit(withError: error)
        }
    }
}

/// Loads the configuration, opens and migrates the database (with its default organization), and runs `body` with
/// the services (the composition root every front shares).
func withServices<T: Sendable>(_ body: @Sendable (Portcullis) async throws -> T) async throws -> T {
    try await Portcullis.run(try Configuration.load(), body)
}

/// Reports every known error as one plain line on standard error ("Error: …", worded by the error catalog), without
/// the usage text that belongs to mistyped arguments, and exits with the code of its kind (see `ErrorKind.exitCode`).
func reporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as CLIError {
        throw error
    } catch {
        guard let description = ErrorCatalog.describe(error) else { throw error }
        throw CLIError(description.message, exitCode: description.kind.exitCode)
    }
}

/// A command that could not do its work, in words for whoever ran it; printed as one line by `main`.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitCode: Int32
    init(_ description: String, exitCode: Int32 = 1) {
        self.description = description
        self.exitCode = exitCode
    }
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
