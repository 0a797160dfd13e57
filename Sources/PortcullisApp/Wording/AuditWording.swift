import PortcullisCore

extension AuditEventType {
    /// The event as the audit log page names it.
    public var label: String {
        switch self {
        case .signInSucceeded: "Signed in"
        case .signInFailed: "Sign-in failed"
        case .factorSucceeded: "Second factor accepted"
        case .factorFailed: "Second factor refused"
        case .factorEnrolled: "Sign-in method added"
        case .factorRemoved: "Sign-in method removed"
        case .factorRenamed: "Sign-in method renamed"
        case .factorDefaultChanged: "Default method changed"
        case .backupCodesIssued: "Backup codes issued"
        case .accountLocked: "Account locked"
        case .accountUnlocked: "Account unlocked"
        case .signedOut: "Signed out"
        case .otherSessionsEnded: "Other sessions ended"
        case .passwordChanged: "Password changed"
        case .userCreated: "User created"
        case .mfaRequirementChanged: "Two-factor requirement changed"
        case .organizationCreated: "Organization created"
        case .ipThrottled: "Address throttled"
        case .organizationUpdated: "Organization settings changed"
        case .tokensImported: "Hardware tokens imported"
        case .tokenAssigned: "Hardware token assigned"
        case .tokenLent: "Hardware token lent"
        case .tokenUnassigned: "Hardware token unassigned"
        case .tokenReturned: "Lent token returned"
        case .tokenResynced: "Hardware token resynchronized"
        case .tokenResyncFailed: "Token resync failed"
        case .tokenDisabled: "Hardware token disabled"
        case .tokenEnabled: "Hardware token enabled"
        case .codeSent: "Code sent"
        case .codeSendFailed: "Code could not be sent"
        case .codeSendRefused: "Code refused (limit)"
        case .inboundSMSConfirmed: "Text message confirmed"
        case .apiKeyCreated: "API key created"
        case .apiKeyRevoked: "API key revoked"
        case .rolesChanged: "Roles changed"
        case .userUpdated: "User details changed"
        case .userDisabled: "User disabled"
        case .userEnabled: "User enabled"
        case .userDeleted: "User deleted"
        case .sessionsEnded: "Sessions ended"
        case .temporaryPasswordSet: "Temporary password set"
        case .groupCreated: "Group created"
        case .groupUpdated: "Group changed"
        case .groupDeleted: "Group deleted"
        case .groupMemberAdded: "Added to group"
        case .groupMemberRemoved: "Removed from group"
        case .auditExported: "Audit log exported"
        case .recoveryStarted: "Password reset or unlock started"
        case .recoveryProven: "Identity proven for reset or unlock"
        case .recoveryFailed: "Reset or unlock answer refused"
        case .recoveryRefused: "Reset or unlock refused"
        case .passwordReset: "Password reset"
        case .challengeQuestionsSet: "Challenge questions set"
        case .deviceRemembered: "Device remembered"
        case .deviceRevoked: "Remembered devices forgotten"
        case .deviceTheftSuspected: "Copied device cookie: remembered devices forgotten"
        }
    }

    /// A family of types (`sign_in.*`) as the event filter offers it.
    public static func familyLabel(_ family: String) -> String {
        let names = ["sign_in": "Sign-ins", "factor": "Sign-in methods", "account": "Locks", "sessions": "Sessions", "password": "Passwords",
                     "user": "Users", "organization": "Organization", "token": "Hardware tokens", "code": "SMS and email codes",
                     "api_key": "API keys", "group": "Groups", "audit": "Audit log",
                     "device": "Remembered devices"]
        return (names[family] ?? family) + " (all)"
    }
}

extension AuditOutcome {
    public var label: String {
        switch self {
        case .success: "Success"
        case .failure: "Failure"
        }
    }
}

/// The audit log's other words: why an attempt failed, and who acted.
public enum AuditWording {
    /// A failure's reason in words; the stored reason with spaces for one not listed.
    public static func reason(_ reason: String?) -> String {
        guard let reason, !reason.isEmpty else { return "" }
        let known = ["bad_password": "wrong password", "bad_code": "wrong code", "unknown_user": "unknown username",
                     "locked": "account locked", "expired_code": "expired code", "too_many_tries": "too many tries",
                     "ip_failure_limit": "too many failures from this address", "no_code": "no code sent", "admin": "by an administrator",
                     "bad_pattern": "wrong pattern", "replayed_code": "code already used",
                     "stale_counter": "an old copy of the device's cookie was used"]
        return known[reason] ?? reason.replacingOccurrences(of: "_", with: " ")
    }

    /// Who did it: a username for people, the key's name for an API client, or what acted.
    public static func actor(_ entry: AuditEntry) -> String {
        switch entry.event.actor {
        case .user(let id)?, .admin(let id)?: entry.actorName ?? "user " + id.prefix(8)
        case .apiClient(let id)?: "API key " + (entry.actorName ?? id)
        case .anonymous?: "anonymous"
        case .cli?: "command line"
        case .system?: "system"
        case nil: ""
        }
    }
}
