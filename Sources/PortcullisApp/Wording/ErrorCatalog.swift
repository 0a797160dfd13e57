import PortcullisCore
import PortcullisCrypto

/// The one place errors get their words. The domain throws `DomainError`s (a stable code, a kind, the values to
/// quote) and every front maps them through here: the web's error pages and notices, JSON problem documents, and the
/// command line's one line and exit code. Errors of the leaf targets the composition root wires in (keys, the
/// password-hash queue) and of configuration reading get codes here too; their sentences are written for operators
/// and kept with their types.
public enum ErrorCatalog {
    /// How `error` is shown; nil for an error nobody expects (answered generically, logged by type only).
    public static func describe(_ error: any Error) -> ErrorDescription? {
        switch error {
        case let error as any DomainError:
            return error.described
        case let error as ConfigurationError:
            return ErrorDescription(code: error.code, kind: .misconfigured, message: error.description)
        case let error as SecretBoxError:
            return ErrorDescription(code: error.code, kind: error == .badKey ? .misconfigured : .failed, message: error.description)
        case WorkLimiterError.overloaded:
            return busy
        default:
            return nil
        }
    }

    /// The server is saturated (the password-hash queue is full).
    public static let busy = describe(code: "server.busy", kind: .limited)

    /// How a code is shown, with the values its sentence quotes.
    public static func describe(code: String, kind: ErrorKind, arguments: [String: String] = [:]) -> ErrorDescription {
        ErrorDescription(code: code, kind: kind, message: message(code: code, arguments) ?? fallback(kind))
    }

    /// Whether the catalog has words for `code` (a test holds every code the domain throws to it).
    public static func knows(_ code: String) -> Bool { message(code: code, [:]) != nil }

    static func message(code: String, _ a: [String: String]) -> String? {
        let value = { (name: String) in a[name] ?? "?" }
        switch code {
        // Accounts and organizations.
        case "organization.invalid_slug": return "'\(value("slug"))' is not a valid organization slug (lowercase letters, digits and hyphens)."
        case "organization.not_found": return "There is no organization '\(value("slug"))'."
        case "organization.exists": return "An organization '\(value("slug"))' already exists."
        case "user.invalid_username": return "'\(value("username"))' is not a valid username (letters, digits and . - _ @ +, at most 64)."
        case "user.not_found": return "There is no user '\(value("username"))'."
        case "user.exists": return "A user '\(value("username"))' already exists."
        case "user.not_found_by_id": return "There is no such user."
        case "user.own_account": return "You cannot do that to your own account. Ask another administrator."
        case "user.invalid_email": return "That is not a valid email address."
        case "user.invalid_phone": return "That is not a valid phone number. Use the international form, e.g. +44 20 7946 0958."
        // Groups and policy.
        case "group.not_found": return "There is no such group."
        case "group.invalid_name": return "A group name has 1 to 64 characters, without control characters."
        case "group.name_taken": return "There is already a group called '\(value("name"))'."
        case "group.other_organization": return "That user is not in this group's organization."
        case "policy.no_possession_factor": return "Allow at least one method that counts as a second factor (an app, a security key, a token, SMS or email)."
        case "policy.out_of_range": return "\(PolicyWording.name(value("setting"))) must be between \(value("minimum")) and \(value("maximum"))."
        case "policy.unknown_time_zone": return "'\(value("zone"))' is not a time zone (use a name like Europe/Berlin)."
        case "policy.invalid_inbound_number": return "'\(value("number"))' is not a phone number in international form (+ and digits)."
        case "policy.invalid_email_domain": return "'\(value("domain"))' is not a domain name."
        case "policy.too_few_questions": return "List at least \(value("count")) challenge questions for users to pick from, or let them write their own."
        case "policy.invalid_question": return "Each challenge question has 5 to 200 characters on one line and appears once ('\(value("question"))')."
        // Passwords (the policy's checker).
        case "password.control_characters": return "Use letters, digits, spaces and symbols only: no line breaks or other control characters."
        case "password.too_short": return "Use at least \(value("minimum")) characters: a few unrelated words make a long password that is easy to remember."
        case "password.too_long": return "Use at most \(value("maximum")) characters."
        case "password.blocklisted": return "That password is on a list of common or breached passwords that attackers try first. Choose another."
        case "password.context": return "Don't build your password on your name, username, email address or the organization's name."
        case "password.repetitive": return "Avoid repeated or sequential characters such as aaaa, 1234 or abcabc: they are guessed quickly."
        case "password.character_classes":
            return "Your organization asks for \(value("classes")) of these: lowercase letters, uppercase letters, digits and symbols."
        case "password.unchanged": return "Choose a password different from your current one."
        // Challenge questions.
        case "questions.turned_off": return "Your organization does not use challenge questions."
        case "questions.wrong_count": return "Answer every question."
        case "questions.unknown_question": return "Pick different questions from the list, one per field."
        case "questions.answer_length": return "Give each answer at least 3 characters (and at most 200)."
        case "questions.same_answer": return "Give a different answer to each question."
        case "factor.type_not_allowed": return "Your organization does not allow this kind of sign-in method. Choose another one."
        // Hardware tokens.
        case "token.import_failed": return "Nothing was imported:\n" + value("problems").split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
        case "token.duplicate_serial": return "Nothing was imported: a token with serial \(value("serial")) is already in the inventory."
        case "token.not_found": return "There is no token \(value("serial"))."
        case "token.not_available": return "Token \(value("serial")) is not in the inventory (assigned, lent or disabled)."
        case "token.wrong_organization": return "Token \(value("serial")) belongs to another organization."
        case "token.not_held": return "Token \(value("serial")) is not assigned or lent."
        // Factors.
        case "factor.unreadable_parameters": return "This sign-in method's stored settings cannot be read. Ask your administrator to remove it."
        case "pattern.too_short": return "Join at least \(value("minimum")) dots."
        case "pattern.repeated_dot": return "Use each dot only once."
        case "pattern.out_of_grid": return "That pattern does not fit the grid."
        case "pattern.mismatch": return "The two patterns differ. Draw the same pattern twice."
        case "email.invalid": return "That is not a valid email address."
        case "email.blocked_domain": return "Use a personal address: your organization does not allow codes to \(value("domain")) addresses."
        case "webauthn.challenge_expired": return "That request expired or was already used. Try again."
        case "webauthn.unreadable": return "The security key's answer could not be read. Try again."
        case "webauthn.not_configured": return "Security keys are not configured on this server (PORTCULLIS_BASE_URL)."
        case "webauthn.rejected": return "The security key could not be added: \(value("reason"))."
        case "webauthn.already_registered": return "That security key is already registered."
        case "webauthn.unknown_credential": return "That security key is not registered."
        case "passkey.unavailable": return "Passkey sign-in is not available here."
        // Codes by SMS and email.
        case "code.cannot_receive": return "This method cannot receive codes."
        case "code.factor_removed": return "This method was removed. Choose another one."
        case "code.limit_reached": return "Too many codes were sent recently. Try again later or use another method."
        case "code.destination_refused": return "The code could not be delivered to that destination. Check it and try again."
        case "code.provider_unavailable": return "The code could not be sent right now. Try again in a moment or use another method."
        case "code.provider_throttled": return "Too many messages were sent. Wait a little and try again, or use another method."
        // Sessions and the server.
        case "notice.unwritable": return "Cannot write \(value("path")): \(value("reason"))."
        case "session.ended": return "Your session has ended. Sign in again."
        case "server.busy": return "The server is busy right now. Wait a moment and try again."
        case "storage.conflict": return "That was changed at the same time by someone else. Try again."
        case "storage.not_found": return "That no longer exists."
        case "server.error": return "Something went wrong on our side. Try again."
        // The admin REST API's own refusals (PortcullisWeb's AdminAPIProblem).
        case "api.unauthenticated": return "A valid admin API key is required: Authorization: Bearer pca_…"
        case "api.forbidden": return "This API key may not do that (another organization, the spare pool, or an operator's action)."
        case "api.not_found": return "There is no such resource."
        case "api.method_not_allowed": return "This resource cannot be used with that method."
        case "api.too_large": return "The request is too large."
        case "api.bad_request": return "The request cannot be read. Check it against the API's OpenAPI document."
        case "api.invalid_parameter": return "The value of '\(value("name"))' is outside what the API's OpenAPI document allows."
        case "api.invalid_cursor": return "That cursor cannot be read. Pass the `next` of the previous page unchanged."
        case "api.invalid_value": return "The value of '\(value("name"))' cannot be used."
        case "token.resync_failed": return "Those are not two consecutive codes of token \(value("serial")); nothing was changed."
        case "api.token_factor": return "That is a hardware token's sign-in method: unassign the token to take it back."
        default: return nil
        }
    }

    /// The sentence for a code the catalog does not know (a test keeps this from happening for the domain's codes).
    static func fallback(_ kind: ErrorKind) -> String {
        switch kind {
        case .invalid: "That cannot be used. Check it and try again."
        case .unauthenticated: "Your session has ended. Sign in again."
        case .notFound: "That does not exist."
        case .conflict: "That clashes with the current state. Reload and try again."
        case .limited: "Too many attempts. Wait a little and try again."
        case .unavailable: "A service this needs is not available right now. Try again later."
        case .misconfigured: "The server is not set up for this. Tell your administrator."
        case .failed: "Something went wrong on our side. Try again."
        }
    }
}

extension DomainError {
    /// This error as the fronts show it, worded by the catalog.
    public var described: ErrorDescription {
        ErrorCatalog.describe(code: code, kind: kind, arguments: arguments)
    }
}

extension SecretBoxError {
    /// Stable codes for the key ring's failures (their descriptions are for operators and already plain).
    var code: String {
        switch self {
        case .badKey: "key.invalid"
        case .malformed: "secret.malformed"
        case .unknownKey: "secret.unknown_key"
        case .authenticationFailed: "secret.integrity"
        }
    }
}

extension ConfigurationError {
    /// Stable codes for configuration errors.
    var code: String {
        switch self {
        case .invalid: "configuration.invalid"
        case .required: "configuration.required"
        case .malformed: "configuration.malformed"
        case .developmentOnly: "configuration.development_only"
        case .unreadableFile: "configuration.unreadable_file"
        case .missingKey: "configuration.missing_key"
        }
    }
}
