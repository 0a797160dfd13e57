import ArgumentParser
import Foundation
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// `portcullis policy show | set`: an organization's policy (SPEC §4.1), the same settings as the policy page.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Show or change an organization's policy.",
                                                    subcommands: [Show.self, Set.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every setting with its value and what it does.")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        func run() async throws {
            let org = org
            try await reporting {
                let policy = try await withServices { app in try await app.administration.organization(slug: org).policy }
                for (key, value, explanation) in PolicyCommand.settings(of: policy) { print("\(key) = \(value)\t# \(explanation)") }
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change settings: KEY=VALUE … (keys as `policy show` prints them; lists comma-separated; on/off for switches).")
        @Option(help: "Organization slug.") var org: String = Organization.defaultSlug
        @Argument(help: "Settings to change, e.g. lockoutThreshold=3 allowedFactorTypes=totp,webauthn,sms,backup_codes.") var settings: [String]
        func run() async throws {
            let (org, settings) = (org, settings)
            try await reporting {
                try await withServices { app in
                    let organization = try await app.administration.organization(slug: org)
                    var policy = organization.policy
                    for setting in settings {
                        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
                        guard parts.count == 2 else { throw ValidationError("\(setting): write KEY=VALUE") }
                        try PolicyCommand.set(parts[0], to: parts[1], in: &policy)
                    }
                    try await app.administration.setPolicy(organization, policy, actor: .cli)
                }
                print("Policy of \(org) saved; it applies from each user's next sign-in.")
            }
        }
    }

    /// Every setting as `policy show` prints it.
    static func settings(of policy: OrganizationPolicy) -> [(String, String, String)] {
        let numbers = policy.numbers
        let switches: [(String, String, String)] = [
            ("allowedFactorTypes", policy.allowedFactorTypes.map(\.rawValue).joined(separator: ","), "Methods users may set up."),
            ("backupOnlyFactorTypes", policy.backupOnlyFactorTypes.map(\.rawValue).joined(separator: ","), "Methods that may never be the default."),
            ("mfaRequiredForEveryone", onOff(policy.mfaRequiredForEveryone), "Require two-step verification for everyone."),
            ("totpAlgorithm", policy.totp.algorithm.rawValue, "The hash new authenticator apps use."),
            ("webAuthnRequireUserVerification", onOff(policy.webAuthnRequireUserVerification), "Require a fingerprint or PIN at security keys."),
            ("passkeysAllowed", onOff(policy.passkeysAllowed), "Offer passkey sign-in on the sign-in page."),
            ("blockedEmailDomains", policy.blockedEmailDomains.joined(separator: ","), "Email domains not allowed for codes."),
            ("inboundSMSEnabled", onOff(policy.inboundSMSEnabled), "Let users text the code back."),
            ("inboundSMSNumber", policy.inboundSMSNumber ?? "", "The number users text codes to."),
            ("timeZone", policy.timeZone, "The organization's time zone."),
            ("recoveryPasswordReset", onOff(policy.recovery.passwordReset), "Let users reset a forgotten password from the sign-in page."),
            ("recoveryUnlock", onOff(policy.recovery.unlock), "Let users unlock their locked account from the sign-in page."),
            ("challengeQuestionsEnabled", onOff(policy.challengeQuestions.enabled),
             "Ask challenge questions beside a method in reset and unlock (weaker than the defaults)."),
            ("challengeQuestionsCustom", onOff(policy.challengeQuestions.allowCustom), "Let users write their own challenge questions."),
            ("challengeQuestions", policy.challengeQuestions.questions.joined(separator: "|"), "The questions users pick from, separated by |."),
        ]
        return switches + PolicyWording.numbers.map { ($0.key, String(numbers[$0.key] ?? 0), $0.explanation) }
    }

    static func onOff(_ value: Bool) -> String { value ? "on" : "off" }

    /// Sets one setting from its text; the service checks the whole policy after.
    static func set(_ key: String, to value: String, in policy: inout OrganizationPolicy) throws {
        func types() throws -> [FactorType] {
            try value.split(separator: ",").map { name in
                guard let type = FactorType(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("\(key): unknown method \(name) (one of \(FactorType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                return type
            }
        }
        func flag() throws -> Bool {
            guard value == "on" || value == "off" else { throw ValidationError("\(key) takes on or off") }
            return value == "on"
        }
        switch key {
        case "allowedFactorTypes": policy.allowedFactorTypes = try types()
        case "backupOnlyFactorTypes": policy.backupOnlyFactorTypes = try types()
        case "mfaRequiredForEveryone": policy.mfaRequiredForEveryone = try flag()
        case "totpAlgorithm":
            guard let algorithm = OTPAlgorithm(rawValue: value.uppercased()) else { throw ValidationError("totpAlgorithm takes SHA1, SHA256 or SHA512") }
            policy.totp.algorithm = algorithm
        case "webAuthnRequireUserVerification": policy.webAuthnRequireUserVerification = try flag()
        case "passkeysAllowed": policy.passkeysAllowed = try flag()
        case "blockedEmailDomains": policy.blockedEmailDomains = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        case "inboundSMSEnabled": policy.inboundSMSEnabled = try flag()
        case "inboundSMSNumber": policy.inboundSMSNumber = value.isEmpty ? nil : (PhoneNumber.parse(country: "", number: value)?.e164 ?? value)
        case "timeZone": policy.timeZone = value
        case "recoveryPasswordReset": policy.recovery.passwordReset = try flag()
        case "recoveryUnlock": policy.recovery.unlock = try flag()
        case "challengeQuestionsEnabled": policy.challengeQuestions.enabled = try flag()
        case "challengeQuestionsCustom": policy.challengeQuestions.allowCustom = try flag()
        case "challengeQuestions":
            policy.challengeQuestions.questions = value.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            guard policy.numbers[key] != nil else { throw ValidationError("unknown setting \(key) (see `portcullis policy show`)") }
            guard let number = Int(value), policy.set(key, to: number) else { throw ValidationError("\(key) takes a whole number") }
        }
    }
}
