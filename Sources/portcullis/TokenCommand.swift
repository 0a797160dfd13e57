import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisTokenImport

/// `portcullis token`: the hardware token inventory.
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
                    return try await app.inventory.importTokens(parsed, organizationID: organizationID, actor: .cli, source: isPSKC ? "pskc" : "csv").count
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
                    for (token, holder) in try await app.inventory.tokens(organizationID: organizationID) {
                        let due = token.lentUntil.map { " until " + ISO8601DateFormatter().string(from: $0) } ?? ""
                        rows.append("\(token.serial)\t\(token.state.rawValue)\(due)\t\(holder?.username ?? "-")")
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
                    try await app.inventory.assign(try await app.inventory.token(serial: handover.serial), to: user, until: nil, actor: .cli)
                }
                print("Token \(handover.serial) assigned to \(handover.username).")
            }
        }
    }

    struct Lend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lend a token to a user until a time (default: the end of today in the organization's time zone).")
        @OptionGroup var handover: Handover
        @Option(help: "Due back, ISO 8601 in UTC (e.g. tomorrow at 18:00: YYYY-MM-DDT18:00:00Z).") var until: String?

        func run() async throws {
            let (handover, until) = (handover, until)
            try await reporting {
                let due = try await withServices { app in
                    let organization = try await app.administration.organization(slug: handover.org)
                    let user = try await app.administration.user(organization: organization, username: handover.username)
                    var due = TokenInventory.endOfDay(app.clock.now, in: organization.policy.zone)
                    if let until {
                        guard let parsed = ISO8601DateFormatter().date(from: until), parsed > app.clock.now else {
                            // The example is tomorrow at 18:00 UTC, so it is never in the past.
                            let example = ISO8601DateFormatter().string(from: TokenInventory.endOfDay(app.clock.now, in: .gmt)
                                .addingTimeInterval(18 * 3600))
                            throw CLIError("--until must be a future ISO 8601 time such as \(example)")
                        }
                        due = parsed
                    }
                    try await app.inventory.assign(try await app.inventory.token(serial: handover.serial), to: user, until: due, actor: .cli)
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
                try await withServices { app in try await app.inventory.unassign(try await app.inventory.token(serial: serial), actor: .cli) }
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
                    try await app.inventory.resync(try await app.inventory.token(serial: serial), first: first, second: second, actor: .cli)
                }
                guard matched else { throw ValidationError("the codes did not match token \(serial) within the resync window") }
                print("Token \(serial) resynchronized.")
            }
        }
    }
}
