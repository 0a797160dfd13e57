import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis user …`: the admin pages' actions on one user, through the same services (audited as the command line).
extension UserCommand {
    /// Runs `body` on the named user and prints `done` with the username.
    static func acting(on user: UserSelection, _ done: String,
                       _ body: @escaping @Sendable (Portcullis, User) async throws -> Void) async throws {
        try await reporting {
            try await withServices { app in
                try await body(app, try await app.administration.user(slug: user.org, username: user.username))
            }
            print("\(user.username): \(done)")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's name, email or phone (an empty value clears email or phone).")
        @OptionGroup var user: UserSelection
        @Option(help: "Display name.") var name: String?
        @Option(help: "Email address.") var email: String?
        @Option(help: "Phone number in international form (+ and digits).") var phone: String?

        func run() async throws {
            let (name, email, phone) = (name, email, phone)
            try await UserCommand.acting(on: user, "updated.") { app, target in
                _ = try await app.users.update(target, displayName: name ?? target.displayName, email: email ?? target.email,
                                               phone: phone ?? target.phone, scope: .cli)
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a user's account (and end their sessions).")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "disabled.") { app, target in try await app.users.setDisabled(target, true, scope: .cli) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "enabled.") { app, target in try await app.users.setDisabled(target, false, scope: .cli) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user (their tokens go back to the inventory; the audit trail stays).")
        @OptionGroup var user: UserSelection
        @Flag(help: "Confirm the deletion.") var yes = false
        func run() async throws {
            guard yes else { throw ValidationError("deleting \(user.username) cannot be undone: add --yes") }
            try await UserCommand.acting(on: user, "deleted.") { app, target in try await app.users.delete(target, scope: .cli) }
        }
    }

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lock an account until an administrator unlocks it.")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "locked.") { app, target in try await app.users.lock(target, scope: .cli) }
        }
    }

    struct RemoveFactors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-factors", abstract: "Remove every sign-in method of a user (a lost phone); a required user is Pending again.")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "every sign-in method removed.") { app, target in
                try await app.users.removeAllFactors(target, scope: .cli)
            }
        }
    }

    struct EndSessions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "end-sessions", abstract: "Sign a user out everywhere.")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "signed out everywhere.") { app, target in try await app.users.endSessions(target, scope: .cli) }
        }
    }

    struct ForgetDevices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "forget-devices",
                                                        abstract: "Forget a user's remembered devices: each asks for a second factor again.")
        @OptionGroup var user: UserSelection
        func run() async throws {
            try await UserCommand.acting(on: user, "remembered devices forgotten.") { app, target in
                try await app.rememberedDevices.forgetAll(of: target, scope: .cli)
            }
        }
    }

    struct AddToGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-to-group", abstract: "Put a user in a group.")
        @OptionGroup var user: UserSelection
        @Option(help: "The group's name.") var group: String
        func run() async throws {
            let name = group
            try await UserCommand.acting(on: user, "in group \(name).") { app, target in
                let group = try await app.groups.group(named: name, organizationID: target.organizationID, scope: .cli)
                try await app.groups.addMember(group, user: target, scope: .cli)
            }
        }
    }

    struct RemoveFromGroup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-from-group", abstract: "Take a user out of a group.")
        @OptionGroup var user: UserSelection
        @Option(help: "The group's name.") var group: String
        func run() async throws {
            let name = group
            try await UserCommand.acting(on: user, "no longer in group \(name).") { app, target in
                let group = try await app.groups.group(named: name, organizationID: target.organizationID, scope: .cli)
                try await app.groups.removeMember(group, user: target, scope: .cli)
            }
        }
    }
}
