import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis apikey`: keys for the verification API (`/validate/check`, `pck_…`), one organization each, and for the
/// admin REST API (`/api/v1`, `pca_…`), one organization's or operator-wide.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage API keys: the verification API's application keys and admin API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    /// Which keys a command is about: an organization's (by slug), or the operator-wide admin keys.
    struct Owner: ParsableArguments {
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        @Flag(help: "The operator-wide admin keys (every organization and the spare-token pool) instead of an organization's.")
        var `operator` = false

        /// The organization, or nil for the operator-wide keys.
        func resolve(_ app: Portcullis) async throws -> Organization? {
            `operator` ? nil : try await app.administration.organization(slug: org)
        }

        var described: String { `operator` ? "operator-wide" : org }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key (printed once; only its hash is stored).")
        @Argument(help: "A name for the application or script, e.g. vpn.") var name: String
        @OptionGroup var owner: Owner
        @Flag(help: "An admin API key (/api/v1) instead of a verification API key (--operator implies it).") var admin = false

        func run() async throws {
            let (name, owner, admin) = (name, owner, admin || owner.operator)
            try await reporting {
                let (key, secret) = try await withServices { app in
                    let organization = try await owner.resolve(app)
                    if admin { return try await app.apiKeys.createAdminKey(organization: organization, name: name, actor: .cli) }
                    guard let organization else { throw ValidationError("a verification API key belongs to one organization") }
                    return try await app.apiKeys.create(organization: organization, name: name, actor: .cli)
                }
                print("Created \(key.scope.rawValue) API key \(key.id) (\(key.name)) for \(owner.described).")
                print("Key (shown once): \(secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's keys, or the operator-wide ones (never the secrets).")
        @OptionGroup var owner: Owner

        func run() async throws {
            let owner = owner
            try await reporting {
                let keys = try await withServices { app in try await app.apiKeys.list(organization: try await owner.resolve(app)) }
                let time = ISO8601DateFormatter()
                for key in keys {
                    let used = key.lastUsedAt.map { "last used \(time.string(from: $0))" } ?? "never used"
                    print("\(key.id)\t\(key.name)\t\(key.scope.rawValue)\tcreated \(time.string(from: key.createdAt))\t\(used)\t"
                          + (key.revokedAt == nil ? "active" : "revoked"))
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; callers using it are refused at once.")
        @Argument(help: "The key's id (from `apikey list`).") var id: String
        @OptionGroup var owner: Owner

        func run() async throws {
            let (id, owner) = (id, owner)
            try await reporting {
                let revoked = try await withServices { app in
                    try await app.apiKeys.revoke(id: id, organization: try await owner.resolve(app), actor: .cli)
                }
                guard revoked else { throw ValidationError("no active key \(id) in \(owner.described)") }
                print("Revoked API key \(id).")
            }
        }
    }
}
