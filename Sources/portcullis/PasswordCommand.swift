import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis password check`: the organization's password rules run on candidates, as the settings and reset pages
/// run them (for scripts and the blocklist's oracle test).
struct PasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "password", abstract: "Check passwords against an organization's rules.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read candidate passwords from standard input, one per line; print one JSON verdict per line, in order.",
            discussion: """
                Each line printed is {"blocklisted": true|false, "verdict": "ok" or the problem (too_short, too_long, \
                blocklisted, context, repetitive, character_classes, control_characters), "strength": 0 to 4}. \
                The passwords themselves are never printed.
                """)
        @Option(help: "Organization slug (its password policy and name).") var org: String = Organization.defaultSlug
        @Option(help: "A username whose parts count as context words.") var username: String = ""
        @Flag(help: "Check as for a user who must use two-step verification (the shorter minimum length).") var mfaRequired = false

        func run() async throws {
            let (org, username, mfaRequired) = (org, username, mfaRequired)
            try await reporting {
                try await withServices { app in
                    let organization = try await app.administration.organization(slug: org)
                    while let line = readLine(strippingNewline: true) {
                        let verdict = app.passwords.check(line, organization: organization, mfaRequired: mfaRequired, username: username)
                        let fields = "\"blocklisted\": \(verdict.blocklisted), \"verdict\": \"\(verdict.problem?.rawValue ?? "ok")\""
                        print("{\(fields), \"strength\": \(verdict.strength)}")
                    }
                }
            }
        }
    }
}
