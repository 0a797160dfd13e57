extension Notice {
    /// The `?notice=` code of a notice a redirect carries in its address; nil for the ones that travel only in the
    /// session's flash or are shown by the page that answers the form.
    var code: String? {
        switch self {
        case .locked: "locked"
        case .signedOut: "signed_out"
        case .signInExpired: "expired"
        case .passkeyFailed: "passkey_failed"
        case .enrolled: "enrolled"
        case .renamed: "renamed"
        case .renameFailed: "rename_failed"
        case .defaultChanged: "default"
        case .defaultFailed: "default_failed"
        case .removed: "removed"
        case .removeFailed: "remove_failed"
        case .lastFactorRequired: "remove_last_required"
        case .patternNeedsFactor: "pattern_needs_factor"
        case .patternEnrolled: "pattern_enrolled"
        case .codesRegenerated: "codes_regenerated"
        case .codesNeedFactor: "codes_need_factor"
        case .resynced, .tokenResynced: "resynced"
        case .resyncFailed: "resync_failed"
        case .sessionsEnded: "sessions_ended"
        case .replaceFactor: "replace_factor"
        case .deviceForgotten: "device_forgotten"
        case .devicesForgotten: "devices_forgotten"
        case .deviceNotFound: "device_not_found"
        case .passwordChanged: "password_changed"
        case .questionsSaved: "questions_saved"
        case .recoveryExpired: "recovery_expired"
        case .recoveryBlocked: "recovery_blocked"
        case .codeSentIfAny(let channel): "sent_" + channel.rawValue
        case .anotherMethodNeeded: "another_method"
        case .recoveryRejected: "rejected"
        case .passwordReset: "password_reset"
        case .accountUnlocked: "unlocked"
        case .imported(let count): String(count)
        case .tokenAssigned: "assigned"
        case .tokenLent: "lent"
        case .tokenReturned: "unassigned"
        case .tokenDisabled: "disabled"
        case .tokenEnabled: "enabled"
        case .missingCredentials, .throttled, .signInFailed, .codeSent, .newCodeSent, .waitBeforeResending, .codeNotSent,
             .challengeExpired, .enterTheCode, .answerRejected, .invalidPhoneNumber,
             .enrollmentCodeMismatch, .authenticatorCodeMismatch, .seedFileMissing, .preSharedKeyNotHex, .nothingImported,
             .tokenCodesMismatch, .noOrganization, .noUser, .dueTimeNotInFuture, .admin, .problem, .currentPasswordWrong, .passwordsDiffer:
            nil
        }
    }

    /// `path` with this notice as its `?notice=` (`path` itself for a notice without a code).
    func location(_ path: String) -> String {
        guard let code else { return path }
        return path + (path.contains("?") ? "&" : "?") + "notice=" + code
    }

    /// The notice, among those a page accepts, whose code is `code`: nil for none and for an unknown code.
    static func find(_ code: String?, among accepted: [Notice]) -> Notice? {
        guard let code else { return nil }
        return accepted.first { $0.code == code }
    }

    /// What the sign-in page accepts (`lockMinutes`: the lockout's length, which the locked notice names).
    static func signInPage(lockMinutes: Int) -> [Notice] {
        [.locked(minutes: lockMinutes), .signedOut, .signInExpired, .passkeyFailed, .passwordReset, .accountUnlocked]
    }

    /// What the recovery pages accept.
    static let recoveryPages: [Notice] = [.recoveryExpired, .recoveryBlocked, .codeSentIfAny(.sms), .codeSentIfAny(.email),
                                          .anotherMethodNeeded, .recoveryRejected]

    /// What the settings page accepts.
    static let settingsPage: [Notice] = [
        .enrolled, .renamed, .renameFailed, .defaultChanged, .defaultFailed, .removed, .removeFailed, .lastFactorRequired,
        .patternNeedsFactor, .patternEnrolled, .codesRegenerated, .codesNeedFactor, .resynced, .resyncFailed, .sessionsEnded,
        .replaceFactor, .passwordChanged, .questionsSaved, .deviceForgotten, .devicesForgotten, .deviceNotFound,
    ]

    /// What the portal accepts.
    static let portalPage: [Notice] = [.passwordChanged]

    /// What a hardware token's admin page accepts.
    static let tokenPage: [Notice] = [.tokenAssigned, .tokenLent, .tokenReturned, .tokenResynced, .tokenDisabled, .tokenEnabled]

    /// What the token list accepts: how many tokens an import added.
    static func tokenListPage(_ code: String?) -> Notice? {
        guard let code, let count = Int(code), count >= 0, String(count) == code else { return nil }
        return .imported(count: count)
    }
}
