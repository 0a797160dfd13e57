import Foundation

/// What happened, for the append-only audit log (SPEC §4.4).
public enum AuditEventType: String, Sendable, Codable, CaseIterable {
    case signInSucceeded = "sign_in.succeeded"
    case signInFailed = "sign_in.failed"
    case factorSucceeded = "factor.succeeded"
    case factorFailed = "factor.failed"
    case factorEnrolled = "factor.enrolled"
    case factorRemoved = "factor.removed"
    case factorRenamed = "factor.renamed"
    case factorDefaultChanged = "factor.default_changed"
    case backupCodesIssued = "backup_codes.issued"
    case accountLocked = "account.locked"
    case accountUnlocked = "account.unlocked"
    case signedOut = "signed_out"
    case otherSessionsEnded = "sessions.others_ended"
    case passwordChanged = "password.changed"
    case userCreated = "user.created"
    case mfaRequirementChanged = "user.mfa_required_changed"
    case organizationCreated = "organization.created"
    case ipThrottled = "ip.throttled"
    case organizationUpdated = "organization.updated"
    case tokensImported = "token.imported"
    case tokenAssigned = "token.assigned"
    case tokenLent = "token.lent"
    case tokenUnassigned = "token.unassigned"
    case tokenReturned = "token.returned"
    case tokenResynced = "token.resynced"
    case tokenResyncFailed = "token.resync_failed"
    case tokenDisabled = "token.disabled"
    case tokenEnabled = "token.enabled"
    case codeSent = "code.sent"
    case codeSendFailed = "code.send_failed"
    case codeSendRefused = "code.send_refused"
    case inboundSMSConfirmed = "code.inbound_confirmed"
    case apiKeyCreated = "api_key.created"
    case apiKeyRevoked = "api_key.revoked"
    case rolesChanged = "user.roles_changed"
    case userUpdated = "user.updated"
    case userDisabled = "user.disabled"
    case userEnabled = "user.enabled"
    case userDeleted = "user.deleted"
    case sessionsEnded = "sessions.ended"
    case temporaryPasswordSet = "password.temporary_set"
    case groupCreated = "group.created"
    case groupUpdated = "group.updated"
    case groupDeleted = "group.deleted"
    case groupMemberAdded = "group.member_added"
    case groupMemberRemoved = "group.member_removed"
    /// An administrator (or the command line) exported the audit log; the filter is in the detail.
    case auditExported = "audit.exported"
    /// Self-service recovery (SPEC §5): a "Forgot password" or "Unlock account" began (for a name that may not be
    /// an account), a factor or the challenge questions were proven or failed, it was refused (a lock that needs an
    /// administrator), the password was reset.
    case recoveryStarted = "recovery.started"
    case recoveryProven = "recovery.proven"
    case recoveryFailed = "recovery.failed"
    case recoveryRefused = "recovery.refused"
    case passwordReset = "password.reset"
    case challengeQuestionsSet = "challenge_questions.set"
    /// A browser was remembered at the challenge ("Remember this device for N days").
    case deviceRemembered = "device.remembered"
    /// Remembered devices were forgotten: by the user, an administrator, a password change or a factor removed.
    case deviceRevoked = "device.revoked"
    /// A remembered device's cookie came back with a counter it no longer holds (a copied cookie): every device of
    /// the user was forgotten.
    case deviceTheftSuspected = "device.theft_suspected"
}

/// Whether an audit event reports something that went through or something refused or failed (the audit log's
/// outcome filter and column).
public enum AuditOutcome: String, Sendable, Codable, CaseIterable {
    case success
    case failure
}

extension AuditEventType {
    /// Failed or refused attempts (a wrong password or code, a code that could not be sent, a throttled address, a
    /// lock) are failures; everything else reports something done. Every new type is classified here.
    public var outcome: AuditOutcome {
        switch self {
        case .signInFailed, .factorFailed, .codeSendFailed, .codeSendRefused, .ipThrottled, .tokenResyncFailed, .accountLocked,
             .recoveryFailed, .recoveryRefused, .deviceTheftSuspected:
            .failure
        case .signInSucceeded, .factorSucceeded, .factorEnrolled, .factorRemoved, .factorRenamed, .factorDefaultChanged,
             .backupCodesIssued, .accountUnlocked, .signedOut, .otherSessionsEnded, .passwordChanged, .userCreated,
             .mfaRequirementChanged, .organizationCreated, .organizationUpdated, .tokensImported, .tokenAssigned, .tokenLent,
             .tokenUnassigned, .tokenReturned, .tokenResynced, .tokenDisabled, .tokenEnabled, .codeSent, .inboundSMSConfirmed,
             .apiKeyCreated, .apiKeyRevoked, .rolesChanged, .userUpdated, .userDisabled, .userEnabled, .userDeleted, .sessionsEnded,
             .temporaryPasswordSet, .groupCreated, .groupUpdated, .groupDeleted, .groupMemberAdded, .groupMemberRemoved, .auditExported,
             .recoveryStarted, .recoveryProven, .passwordReset, .challengeQuestionsSet, .deviceRemembered, .deviceRevoked:
            .success
        }
    }

    /// The family a type belongs to: its stored name up to the first dot (`sign_in` for `sign_in.failed`).
    public var family: String {
        String(rawValue.prefix { $0 != "." })
    }

    /// The types a filter names: one stored name (`sign_in.failed`), or a family with `.*` (`sign_in.*`); nil when
    /// it names none.
    public static func matching(_ pattern: String) -> [AuditEventType]? {
        let pattern = pattern.trimmingCharacters(in: .whitespaces).lowercased()
        let found: [AuditEventType]
        if pattern.hasSuffix(".*") {
            let family = String(pattern.dropLast(2))
            found = allCases.filter { $0.family == family }
        } else {
            found = allCases.filter { $0.rawValue == pattern }
        }
        return found.isEmpty ? nil : found
    }

    /// The families that hold more than one type, in the order of the types' declaration.
    public static var families: [String] {
        var seen: [String] = []
        for type in allCases where !seen.contains(type.family) && allCases.filter({ $0.family == type.family }).count > 1 {
            seen.append(type.family)
        }
        return seen
    }
}

/// One audit record. `detail` never holds a secret, code or password.
public struct AuditEvent: Sendable, Codable, Equatable {
    public var id: String
    public var organizationID: String?
    public var userID: String?
    /// Who did it. Nil only on events written before actors were recorded.
    public var actor: AuditActor?
    public var type: AuditEventType
    /// Why, for failures (`bad_password`, `unknown_user`, `locked`, `bad_code`, `replayed_code`, …).
    public var reason: String?
    public var ipAddress: String?
    public var detail: [String: String]
    public var createdAt: Date

    public init(id: String, organizationID: String?, userID: String?, actor: AuditActor?, type: AuditEventType,
                reason: String? = nil, ipAddress: String? = nil, detail: [String: String] = [:], createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.userID = userID
        self.actor = actor
        self.type = type
        self.reason = reason
        self.ipAddress = ipAddress
        self.detail = detail
        self.createdAt = createdAt
    }
}
