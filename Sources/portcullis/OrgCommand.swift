import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore

/// `portcullis org`: create, list and configure organizations.
struct Org: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage organizations.", subcommands: [Create.self, List.self, Configure.self])

    struct Configure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an organization's settings (time zone, inbound SMS, blocked email domains, passkey sign-in).")
        @Argument(help: "The organization's slug.") var slug: String
        @Option(help: "IANA time zone, e.g. Europe/Berlin (lent tokens are due back at the end of the day there).") var timeZone: String?
        @Option(help: "Phone number (E.164) users may text their code to; enables inbound SMS confirmation.") var inboundSmsNumber: String?
        @Flag(help: "Turn inbound SMS confirmation off.") var noInboundSms = false
        @Option(help: "Email domains the email factor may not use, comma-separated (e.g. the firm's own).") var blockedEmailDomains: String?
        @Option(help: "\"Sign in with a passkey\" on the organization's sign-in page: on or off (default on).") var passkeys: String?

        func run() async throws {
            let (slug, timeZone, number, off, domains, passkeys) = (slug, timeZone, inboundSmsNumber, noInboundSms, blockedEmailDomains, passkeys)
            try await reporting {
                let settings = try await withServices { app in
                    let organization = try await app.administration.organization(slug: slug)
                    var settings = organization.policy
                    if let timeZone {
                        guard TimeZone(identifier: timeZone) != nil else { throw ValidationError("unknown time zone \(timeZone)") }
                        settings.timeZone = timeZone
                    }
                    if let number {
                        guard let phone = PhoneNumber.parse(country: "", number: number) else { throw ValidationError("\(number) is not an E.164 number (+ and digits)") }
                        settings.inboundSMSNumber = phone.e164
                        settings.inboundSMSEnabled = true
                    }
                    if off { settings.inboundSMSEnabled = false }
                    if let passkeys {
                        guard passkeys == "on" || passkeys == "off" else { throw ValidationError("--passkeys takes on or off") }
                        settings.passkeysAllowed = passkeys == "on"
                    }
                    if let domains {
                        settings.blockedEmailDomains = domains.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
                    }
                    try await app.administration.setPolicy(organization, settings, actor: .cli)
                    return settings
                }
                print("\(slug): time zone \(settings.timeZone); inbound SMS \(settings.inboundSMSEnabled ? "on, " + (settings.inboundSMSNumber ?? "") : "off"); blocked email domains: \(settings.blockedEmailDomains.isEmpty ? "none" : settings.blockedEmailDomains.joined(separator: ", ")); passkey sign-in \(settings.passkeysAllowed ? "on" : "off")")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")
        @Argument(help: "Slug used in URLs (/o/SLUG/login): lowercase letters, digits, hyphens.") var slug: String
        @Option(help: "Display name.") var name: String?

        func run() async throws {
            let (slug, name) = (slug, name)
            try await reporting {
                let organization = try await withServices { app in
                    try await app.administration.createOrganization(slug: slug, name: name ?? slug, actor: .cli)
                }
                print("Created organization \(organization.slug) (\(organization.name)).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations.")
        func run() async throws {
            try await reporting {
                let organizations = try await withServices { try await $0.directory.organizations() }
                for organization in organizations { print("\(organization.slug)\t\(organization.name)") }
            }
        }
    }
}
