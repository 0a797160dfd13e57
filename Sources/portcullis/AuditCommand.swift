import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis audit`: read and export the audit log, through the same `AuditTrail` as the admin pages.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and export the audit log.", subcommands: [Export.self, List.self])

    /// The filters both commands take.
    struct Filters: ParsableArguments {
        @Option(help: "Organization slug (default: every organization; with --user, the default organization).") var org: String?
        @Option(help: "Only events about this user (looked up in --org).") var user: String?
        @Option(help: ArgumentHelp("Only events of this type (e.g. sign_in.failed) or family (e.g. sign_in.*); repeat for several.",
                                   valueName: "type")) var type: [String] = []
        @Option(help: "Only successes or only failures (refused attempts, locks, codes not sent).") var outcome: AuditOutcome?
        @Option(help: "Events at or after this time, ISO 8601 (2026-03-01T08:00:00Z, or a date: 2026-03-01 is its midnight UTC).") var since: String?
        @Option(help: "Events before this time, ISO 8601.") var until: String?

        /// The query, with the organization and user looked up.
        func query(_ app: Portcullis, limit: Int) async throws -> AuditQuery {
            var query = AuditQuery(organizationID: nil, limit: limit)
            if let org { query.organizationID = try await app.administration.organization(slug: org).id }
            if let user {
                let organization = try await app.administration.organization(slug: org ?? Organization.defaultSlug)
                guard let found = try await app.directory.user(organizationID: organization.id, username: user) else {
                    throw CLIError("no user \(user) in \(organization.slug)")
                }
                query.organizationID = organization.id
                query.userID = found.id
            }
            for pattern in type.flatMap({ $0.split(separator: ",").map(String.init) }) {
                guard let types = AuditEventType.matching(pattern) else {
                    throw ValidationError("unknown event type \(pattern) (a type such as sign_in.failed, or a family such as sign_in.*)")
                }
                query.types.formUnion(types)
            }
            query.outcome = outcome
            query.from = try since.map { try Self.time($0, "--since") }
            query.to = try until.map { try Self.time($0, "--until") }
            return query
        }

        static func time(_ text: String, _ option: String) throws -> Date {
            let formatter = ISO8601DateFormatter()
            for options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate]] as [ISO8601DateFormatter.Options] {
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
            throw ValidationError("\(option) must be an ISO 8601 time such as 2026-03-01T08:00:00Z, or a date such as 2026-03-01")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the matching events to standard output as CSV or JSON lines, newest first (streamed; the export is audited).")
        @OptionGroup var filters: Filters
        @Option(help: "csv (with a header row) or jsonl (one JSON object per line).") var format: AuditExportFormat = .csv

        func run() async throws {
            let (filters, format) = (filters, format)
            try await reporting {
                try await withServices { app in
                    let query = try await filters.query(app, limit: AuditTrail.maxPageSize)
                    try await app.auditTrail.export(query, scope: .cli, format: format) { text in
                        FileHandle.standardOutput.write(Data(text.utf8))
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the newest matching events, one a line: time (UTC), actor, user, type, outcome, reason, IP.")
        @OptionGroup var filters: Filters
        @Option(help: "How many events (at most 500).") var limit: Int = 50

        func run() async throws {
            let (filters, limit) = (filters, limit)
            try await reporting {
                let entries = try await withServices { app in
                    try await app.auditTrail.page(try await filters.query(app, limit: limit), scope: .cli).entries
                }
                for entry in entries {
                    let e = entry.event
                    print([AuditExportEncoding.time.format(e.createdAt), AuditWording.actor(entry), entry.username ?? "-", e.type.rawValue,
                           e.type.outcome.rawValue, e.reason ?? "-", e.ipAddress ?? "-"].joined(separator: "\t"))
                }
            }
        }
    }
}

extension AuditOutcome: ExpressibleByArgument {}
extension AuditExportFormat: ExpressibleByArgument {}
