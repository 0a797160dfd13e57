import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

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
        subcommands: [Create.self, List.self, Update.self, SetPassword.self, SetRoles.self, RequireMFA.self, Unlock.self, Lock.self,
                      Disable.self, Enable.self, Delete.self, RemoveFactors.self, EndSessions.self, ForgetDevices.self, AddToGroup.self, RemoveFromGroup.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user (prints a generated, temporary password if none is given).")
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
                        password: password, isAdmin: admin, isOperator: isOperator, mfaRequired: requireMfa,
                        mustChangePassword: generated, actor: .cli)
                    return (created, password, generated)
                }
                print("Created user \(created.username) in \(user.org).")
                // A generated password is temporary, as from the admin pages and the API: replaced at the first sign-in.
                if generated { print("Password (shown once): \(password)\nIt must be changed at the first sign-in.") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's users with their MFA and lock state (optionally filtered).")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        @Option(help: "Part of the username, name or email.") var search: String?
        @Option(help: "Only users whose two-step verification is no, pending or enabled.") var mfa: String?

        func run() async throws {
            let (org, search, mfa) = (org, search, mfa)
            try await reporting {
                let rows = try await withServices { app in
                    let organization = try await app.administration.organization(slug: org)
                    var query = UserQuery(organizationID: organization.id, text: search, limit: 200)
                    if let mfa {
                        guard let state = ["no": MFAState.none, "pending": .pending, "enabled": .enabled][mfa] else {
                            throw ValidationError("--mfa takes no, pending or enabled")
                        }
                        query.mfa = state
                    }
                    var rows: [String] = []
                    repeat {
                        let (users, next) = try await app.users.search(query, scope: .cli)
                        for status in users {
                            let user = status.user
                            let locked = user.isLocked(at: app.clock.now) ? "locked" : (user.disabled ? "disabled" : "-")
                            let why = status.requirement.source.map { " (\($0))" } ?? ""
                            rows.append("\(user.username)\t\(user.displayName)\t\(user.isAdmin ? "admin" : "user")\tmfa: \(status.state.label)\(why)\t\(locked)")
                        }
                        query.after = next
                    } while query.after != nil
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
                    if generated {
                        _ = try await app.users.setTemporaryPassword(target, password: password, scope: .cli)
                    } else {
                        try await app.administration.setPassword(user: target, password: password, actor: .cli)
                    }
                    return (password, generated)
                }
                print("Password set for \(user.username).")
                // A generated password is temporary, as from the admin pages and the API: replaced at the first sign-in.
                if generated { print("Password (shown once): \(password)\nIt must be changed at the first sign-in.") }
            }
        }
    }

    struct SetRoles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role", abstract: "Set a user's roles: organization administrator and/or operator (neither flag: a plain user).")
        @OptionGroup var user: UserSelection
        @Flag(help: "Organization administrator.") var admin = false
        @Flag(help: "Operator (the spare token pool, every organization).") var `operator` = false

        func run() async throws {
            let (user, admin, isOperator) = (user, admin, `operator`)
            try await reporting {
                try await withServices { app in
                    let target = try await app.administration.user(slug: user.org, username: user.username)
                    try await app.administration.setRoles(user: target, isAdmin: admin, isOperator: isOperator, actor: .cli)
                }
                let roles = [admin ? "administrator" : nil, isOperator ? "operator" : nil].compactMap { $0 }
                print("\(user.username): \(roles.isEmpty ? "user" : roles.joined(separator: " and ")).")
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
                    try await app.administration.setMFARequired(user: target, !off, actor: .cli)
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
                    try await app.administration.unlock(user: target, actor: .cli)
                }
                print("\(user.username) unlocked.")
            }
        }
    }
}
