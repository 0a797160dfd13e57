import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis group`: groups of users and whether they require two-step verification.
struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "Manage groups of users.",
        subcommands: [Create.self, List.self, Rename.self, RequireMFA.self, Members.self, Delete.self])

    /// A group named within an organization.
    struct Selection: ParsableArguments {
        @Argument(help: "The group's name.") var name: String
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
    }

    /// Runs `body` on the named group.
    static func acting<T: Sendable>(on selection: Selection, _ body: @escaping @Sendable (Portcullis, Group) async throws -> T) async throws -> T {
        try await reporting {
            try await withServices { app in
                let organization = try await app.administration.organization(slug: selection.org)
                return try await body(app, try await app.groups.group(named: selection.name, organizationID: organization.id, scope: .cli))
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a group.")
        @OptionGroup var group: Selection
        @Flag(help: "Require two-step verification for its members.") var requireMfa = false
        func run() async throws {
            let (group, requireMfa) = (group, requireMfa)
            try await reporting {
                let created = try await withServices { app in
                    let organization = try await app.administration.organization(slug: group.org)
                    return try await app.groups.create(organizationID: organization.id, name: group.name, mfaRequired: requireMfa, scope: .cli)
                }
                print("Created group \(created.name)\(created.mfaRequired ? " (requires two-step verification)" : "").")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's groups.")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        func run() async throws {
            let org = org
            try await reporting {
                let groups = try await withServices { app in
                    try await app.groups.list(organizationID: try await app.administration.organization(slug: org).id, scope: .cli)
                }
                for group in groups {
                    print("\(group.name)\t\(group.memberCount) member\(group.memberCount == 1 ? "" : "s")\t\(group.mfaRequired ? "requires two-step verification" : "-")")
                }
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a group.")
        @OptionGroup var group: Selection
        @Option(help: "The new name.") var to: String
        func run() async throws {
            let to = to
            let renamed = try await GroupCommand.acting(on: group) { app, group in try await app.groups.update(group, name: to, scope: .cli) }
            print("Renamed to \(renamed.name).")
        }
    }

    struct RequireMFA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "require-mfa", abstract: "Require two-step verification for a group's members (--off: stop).")
        @OptionGroup var group: Selection
        @Flag(help: "Turn the requirement off.") var off = false
        func run() async throws {
            let off = off
            let updated = try await GroupCommand.acting(on: group) { app, group in try await app.groups.update(group, mfaRequired: !off, scope: .cli) }
            print("\(updated.name): two-step verification \(updated.mfaRequired ? "required" : "not required") for its members.")
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a group's members.")
        @OptionGroup var group: Selection
        func run() async throws {
            let members = try await GroupCommand.acting(on: group) { app, group in try await app.groups.members(of: group) }
            for user in members { print("\(user.username)\t\(user.displayName)") }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a group (its members stay).")
        @OptionGroup var group: Selection
        func run() async throws {
            try await GroupCommand.acting(on: group) { app, group in try await app.groups.delete(group, scope: .cli) }
            print("Deleted group \(group.name).")
        }
    }
}
