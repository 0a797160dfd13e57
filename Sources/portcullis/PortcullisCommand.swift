import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PortcullisCore
import PortcullisStore
import PortcullisWeb

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

/// Opens the configured database, runs `body`, and always closes the database again.
func withDatabase<T: Sendable>(_ configuration: Configuration, logger: Logger = Logger(label: "portcullis"),
                               _ body: (PortcullisDatabase) async throws -> T) async throws -> T {
    let database = try PortcullisDatabase.open(url: configuration.databaseURL, logger: logger)
    do {
        let result = try await body(database)
        try await database.shutdown()
        return result
    } catch {
        try? await database.shutdown()
        throw error
    }
}

/// Loads the configuration, opens and migrates the database (with its default organization), and runs `body` with
/// the services.
func withServices<T: Sendable>(_ body: @Sendable (Portcullis) async throws -> T) async throws -> T {
    let configuration = try Configuration.load()
    return try await withDatabase(configuration) { database in
        try await Migrations.run(on: database)
        let app = try Portcullis(configuration: configuration, database: database)
        try await app.administration.ensureDefaultOrganization()
        return try await body(app)
    }
}

/// Reports configuration and administration errors as a plain message instead of a stack of types.
func reporting<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as Configuration.ConfigurationError {
        throw ValidationError(error.description)
    } catch let error as AccountAdministration.AdministrationError {
        throw ValidationError(error.description)
    } catch let error as SecretBoxError {
        throw ValidationError(error.description)
    } catch let error as TokenInventory.InventoryError {
        throw ValidationError(error.description)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        try await reporting {
            let configuration = try Configuration.load()
            let (applied, versions) = try await withDatabase(configuration) { database in
                let applied = try await Migrations.run(on: database)
                try await Portcullis(configuration: configuration, database: database).administration.ensureDefaultOrganization()
                return (applied, try await Migrations.appliedVersions(on: database))
            }
            print(applied.isEmpty ? "Database is up to date (version \(versions.last ?? 0))."
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

/// Options shared by the user commands.
struct UserSelection: ParsableArguments {
    @Argument(help: "The username.") var username: String
    @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
}

/// How a command gets a password: an option, standard input, or generated and printed once.
struct PasswordSource: ParsableArguments {
    @Option(help: "The password (visible to other local users in the process list; prefer --password-stdin).") var password: String?
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false

    func resolve(generate: () -> String) throws -> (password: String, generated: Bool) {
        if let password { return (password, false) }
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
            return (line, false)
        }
        return (generate(), true)
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.",
        subcommands: [Create.self, List.self, SetPassword.self, RequireMFA.self, Unlock.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (prints a generated password if none is given).")
        @OptionGroup var user: UserSelection
        @OptionGroup var secret: PasswordSource
        @Option(help: "Display name.") var name: String?
        @Option(help: "Email address.") var email: String?
        @Flag(help: "Make the user an organization administrator.") var admin = false
        @Flag(help: "Make the user an operator (manages the spare token pool across organizations).") var `operator` = false
        @Flag(help: "Require two-step verification (the user must enroll at the next sign-in).") var requireMfa = false

        func run() async throws {
            let (user, secret, name, email, admin, isOperator, requireMfa) = (user, secret, name, email, admin, `operator`, requireMfa)
            try await reporting {
                let (created, password, generated) = try await withServices { app in
                    let organization = try await app.administration.organization(slug: user.org)
                    let (password, generated) = try secret.resolve { app.administration.generatePassword() }
                    let created = try await app.administration.createUser(
                        organization: organization, username: user.username, displayName: name, email: email,
                        password: password, isAdmin: admin, mfaRequired: requireMfa, actor: "cli")
                    if isOperator { try await app.repositories.users.setRoles(userID: created.id, isAdmin: admin, isOperator: true) }
                    return (created, password, generated)
                }
                print("Created user \(created.username) in \(user.org).")
                if generated { print("Password (shown once): \(password)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's users with their MFA and lock state.")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug

        func run() async throws {
            let org = org
            try await reporting {
                let rows = try await withServices { app in
                    let organization = try await app.administration.organization(slug: org)
                    var rows: [String] = []
                    for user in try await app.repositories.users.list(organizationID: organization.id) {
                        let mfa = try await app.factors.mfaState(of: user)
                        let locked = user.isLocked(at: app.clock.now) ? "locked" : "-"
                        rows.append("\(user.username)\t\(user.displayName)\t\(user.isAdmin ? "admin" : "user")\tmfa: \(mfa.label)\t\(locked)")
                    }
                    return rows
                }
                rows.forEach { print($0) }
            }
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password.")
        @OptionGroup var user: UserSelection
        @OptionGroup var secret: PasswordSource

        func run() async throws {
            let (user, secret) = (user, secret)
            try await reporting {
                let (password, generated) = try await withServices { app in
                    let target = try await app.administration.user(slug: user.org, username: user.username)
                    let (password, generated) = try secret.resolve { app.administration.generatePassword() }
                    try await app.administration.setPassword(user: target, password: password, actor: "cli")
                    return (password, generated)
                }
                print("Password set for \(user.username).")
                if generated { print("Password (shown once): \(password)") }
            }
        }
    }

    struct RequireMFA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "require-mfa", abstract: "Require two-step verification for a user (or stop requiring it with --off).")
        @OptionGroup var user: UserSelection
        @Flag(help: "Turn the requirement off.") var off = false

        func run() async throws {
            let (user, off) = (user, off)
            try await reporting {
                let state = try await withServices { app in
                    let target = try await app.administration.user(slug: user.org, username: user.username)
                    try await app.administration.setMFARequired(user: target, !off, actor: "cli")
                    return try await app.factors.mfaState(of: try await app.administration.user(slug: user.org, username: user.username)).label
                }
                print("\(user.username): two-step verification \(off ? "not required" : "required") (\(state)).")
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a user's lockout.")
        @OptionGroup var user: UserSelection

        func run() async throws {
            let user = user
            try await reporting {
                try await withServices { app in
                    let target = try await app.administration.user(slug: user.org, username: user.username)
                    try await app.administration.unlock(user: target, actor: "cli")
                }
                print("\(user.username) unlocked.")
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage the hardware token inventory.",
        subcommands: [Import.self, List.self, Assign.self, Lend.self, Unassign.self, Resync.self])

    /// Which inventory: an organization's, or the operator's spare pool.
    struct Inventory: ParsableArguments {
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        @Flag(help: "The operator's spare pool instead of an organization.") var pool = false
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a vendor seed file (CSV or PSKC), all or nothing.")
        @Argument(help: "The file (.csv, or .xml/.pskc for PSKC).") var file: String
        @OptionGroup var inventory: Inventory
        @Option(help: "csv or pskc (default: from the file name).") var format: String?
        @Option(help: "Pre-shared key (hex, 16 bytes) for an encrypted PSKC file.") var psk: String?

        func run() async throws {
            let (file, inventory, format, psk) = (file, inventory, format, psk)
            try await reporting {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                let isPSKC = (format ?? (file.hasSuffix(".csv") ? "csv" : "pskc")).lowercased() == "pskc"
                var key: [UInt8]?
                if let psk {
                    guard let bytes = Hex.decode(psk) else { throw ValidationError("the pre-shared key must be hexadecimal") }
                    key = bytes
                }
                let parsed = isPSKC ? TokenImport.parsePSKC(data, preSharedKey: key) : TokenImport.parseCSV(String(decoding: data, as: UTF8.self))
                let count = try await withServices { app in
                    let organizationID = inventory.pool ? nil : try await app.administration.organization(slug: inventory.org).id
                    return try await app.inventory.importTokens(parsed, organizationID: organizationID, actor: "cli", source: isPSKC ? "pskc" : "csv").count
                }
                print("Imported \(count) token\(count == 1 ? "" : "s") into \(inventory.pool ? "the spare pool" : inventory.org).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens with their state and holder.")
        @OptionGroup var inventory: Inventory

        func run() async throws {
            let inventory = inventory
            try await reporting {
                let rows = try await withServices { app in
                    let organizationID = inventory.pool ? nil : try await app.administration.organization(slug: inventory.org).id
                    var rows: [String] = []
                    for token in try await app.repositories.tokens.list(organizationID: organizationID) {
                        let holder = try await token.userID.asyncMap { try await app.repositories.users.find(id: $0)?.username } ?? nil
                        let due = token.lentUntil.map { " until " + ISO8601DateFormatter().string(from: $0) } ?? ""
                        rows.append("\(token.serial)\t\(token.state.rawValue)\(due)\t\(holder ?? "-")")
                    }
                    return rows
                }
                rows.forEach { print($0) }
            }
        }
    }

    /// A token and a user to give it to.
    struct Handover: ParsableArguments {
        @Argument(help: "The token's serial number.") var serial: String
        @Argument(help: "The username.") var username: String
        @Option(help: "The user's organization slug.") var org: String = Organization.defaultSlug
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Assign a token to a user for good.")
        @OptionGroup var handover: Handover

        func run() async throws {
            let handover = handover
            try await reporting {
                try await withServices { app in
                    let user = try await app.administration.user(slug: handover.org, username: handover.username)
                    try await app.inventory.assign(try await app.inventory.token(serial: handover.serial), to: user, until: nil, actor: "cli")
                }
                print("Token \(handover.serial) assigned to \(handover.username).")
            }
        }
    }

    struct Lend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lend a token to a user until a time (default: the end of today in the organization's time zone).")
        @OptionGroup var handover: Handover
        @Option(help: "Due back, ISO 8601 (e.g. 2026-11-23T18:00:00Z).") var until: String?

        func run() async throws {
            let (handover, until) = (handover, until)
            try await reporting {
                let due = try await withServices { app in
                    let organization = try await app.administration.organization(slug: handover.org)
                    let user = try await app.administration.user(organization: organization, username: handover.username)
                    var due = TokenInventory.endOfDay(app.clock.now, in: organization.settings.zone)
                    if let until {
                        guard let parsed = ISO8601DateFormatter().date(from: until), parsed > app.clock.now else {
                            throw ValidationError("--until must be a future ISO 8601 time such as 2026-11-23T18:00:00Z")
                        }
                        due = parsed
                    }
                    try await app.inventory.assign(try await app.inventory.token(serial: handover.serial), to: user, until: due, actor: "cli")
                    return due
                }
                print("Token \(handover.serial) lent to \(handover.username) until \(ISO8601DateFormatter().string(from: due)).")
            }
        }
    }

    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a token back into the inventory.")
        @Argument(help: "The token's serial number.") var serial: String

        func run() async throws {
            let serial = serial
            try await reporting {
                try await withServices { app in try await app.inventory.unassign(try await app.inventory.token(serial: serial), actor: "cli") }
                print("Token \(serial) is back in the inventory.")
            }
        }
    }

    struct Resync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resynchronize a token with two consecutive codes.")
        @Argument(help: "The token's serial number.") var serial: String
        @Argument(help: "A code from the token.") var first: String
        @Argument(help: "The next code.") var second: String

        func run() async throws {
            let (serial, first, second) = (serial, first, second)
            try await reporting {
                let matched = try await withServices { app in
                    try await app.inventory.resync(try await app.inventory.token(serial: serial), first: first, second: second, actor: "cli")
                }
                guard matched else { throw ValidationError("the codes did not match token \(serial) within the resync window") }
                print("Token \(serial) resynchronized.")
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
