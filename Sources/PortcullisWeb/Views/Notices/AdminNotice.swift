/// What the admin pages confirm after an action (shown as the page's notice, carried in the session's flash).
enum AdminNotice: Sendable, Equatable {
    case userCreated(String)
    case userUpdated
    /// The banner after "Require Two-Factor": the user will be asked to enroll at the next sign-in.
    case mfaRequired(String, pending: Bool)
    case mfaNotRequired(String)
    case userDisabled
    case userEnabled
    case userDeleted(String)
    case unlocked
    case locked
    case sessionsEnded(String)
    case devicesForgotten(String, count: Int)
    case temporaryPasswordSet
    case factorRemoved
    case allFactorsRemoved(String, pending: Bool)
    case rolesChanged
    case addedToGroup(String)
    case removedFromGroup(String)
    case groupCreated(String)
    case groupSaved
    case groupDeleted(String)
    case policySaved
    case apiKeyCreated(String)
    case apiKeyRevoked

    var text: String {
        switch self {
        case .userCreated(let name): "\(name) was created."
        case .userUpdated: "Saved."
        case .mfaRequired(let name, let pending):
            pending ? "Two-factor authentication is now required for \(name). They will be asked to set it up at their next sign-in."
                : "Two-factor authentication is now required for \(name). They have already set it up."
        case .mfaNotRequired(let name): "Two-factor authentication is no longer required for \(name)."
        case .userDisabled: "The account is disabled and signed out everywhere."
        case .userEnabled: "The account is enabled again."
        case .userDeleted(let name): "\(name) was deleted. Their audit trail is kept."
        case .unlocked: "The account is unlocked."
        case .locked: "The account is locked until an administrator unlocks it."
        case .sessionsEnded(let name): "\(name) is signed out everywhere."
        case .devicesForgotten(let name, let count):
            count == 0 ? "\(name) has no remembered devices."
                : "\(count) remembered device\(count == 1 ? "" : "s") of \(name) forgotten: a second factor is asked at the next sign-in."
        case .temporaryPasswordSet: "Temporary password set. The user must choose a new one at their next sign-in."
        case .factorRemoved: "The sign-in method was removed."
        case .allFactorsRemoved(let name, let pending):
            pending ? "Every sign-in method of \(name) was removed. They will set up a new one at their next sign-in."
                : "Every sign-in method of \(name) was removed."
        case .rolesChanged: "Roles saved."
        case .addedToGroup(let group): "Added to \(group)."
        case .removedFromGroup(let group): "Removed from \(group)."
        case .groupCreated(let name): "Group \(name) was created."
        case .groupSaved: "Group saved."
        case .groupDeleted(let name): "Group \(name) was deleted."
        case .policySaved: "Policy saved. It applies from each user's next sign-in."
        case .apiKeyCreated(let name): "Key \(name) created. Copy it now: it is not shown again."
        case .apiKeyRevoked: "The key was revoked."
        }
    }
}
