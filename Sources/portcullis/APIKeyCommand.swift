import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis apikey`: keys for the verification API (`/validate/check`), one organization each.
struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Manage the verification API's application keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key (printed once; only its hash is stored).")
        @Argument(help: "A name for the application, e.g. vpn.") var name: String
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug

        func run() async throws {
            let (name, org) = (name, org)
            try await reporting {
                let (key, secret) = try await withServices { app in
                    try await app.apiKeys.create(organization: try await app.administration.organization(slug: org), name: name, actor: .cli)
                }
                print("Created API key \(key.id) (\(key.name)) for \(org).")
                print("Key (shown once): \(secret)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an organization's keys (never the secrets).")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug

        func run() async throws {
            let org = org
            try await reporting {
                let keys = try await withServices { app in
                    try await app.apiKeys.list(organization: try await app.administration.organization(slug: org))
                }
                for key in keys {
                    print("\(key.id)\t\(key.name)\tcreated \(ISO8601DateFormatter().string(from: key.createdAt))\t\(key.revokedAt == nil ? "active" : "revoked")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; callers using it are refused at once.")
        @Argument(help: "The key's id (from `apikey list`).") var id: String
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug

        func run() async throws {
            let (id, org) = (id, org)
            try await reporting {
                let revoked = try await withServices { app in
                    try await app.apiKeys.revoke(id: id, organization: try await app.administration.organization(slug: org), actor: .cli)
                }
                guard revoked else { throw ValidationError("no active key \(id) in \(org)") }
                print("Revoked API key \(id).")
            }
        }
    }
}
