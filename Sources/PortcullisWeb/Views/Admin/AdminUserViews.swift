import Foundation
import PortcullisApp
import PortcullisCore

/// One user in the admin users list.
struct AdminUserRow: Sendable {
    let id: String
    let username: String
    let displayName: String
    let email: String
    /// "No", "Pending setup on next login", "Enabled".
    let mfaStatus: String
    let mfaClass: String
    /// "required by group Accounting", when required.
    let requiredBy: String?
    let locked: Bool
    let disabled: Bool
    let lastSignIn: String

    init(_ status: UserAdministration.UserStatus, context: AdminContext, now: Date) {
        id = status.user.id
        username = status.user.username
        displayName = status.user.displayName
        email = status.user.email ?? ""
        mfaStatus = status.state.label
        mfaClass = "status-" + status.state.rawValue
        requiredBy = status.requirement.source
        locked = status.user.isLocked(at: now)
        disabled = status.user.disabled
        lastSignIn = status.user.lastSignInAt.map(context.local) ?? "Never"
    }
}

/// A choice in a filter or form select.
struct OptionView: Sendable {
    let value: String
    let label: String
    let selected: Bool
}

/// The users list (`admin-users`): search, filters, one page of users with their MFA status, and the next page.
struct AdminUsersPage: PageView {
    static let template = "admin-users"
    let title = "Users"
    let nav: AdminNavView
    let text: String
    let mfaOptions: [OptionView]
    let lockedOptions: [OptionView]
    let disabledOptions: [OptionView]
    let groupOptions: [OptionView]
    let users: [AdminUserRow]
    let hasUsers: Bool
    /// The following page's address, when there is one.
    let nextPage: String?
}

/// The new-user form (`admin-user-new`).
struct AdminNewUserPage: PageView {
    static let template = "admin-user-new"
    let title = "New user"
    let nav: AdminNavView
    let values: [String: String]
    let requireMFA: Bool
    let generatePassword: Bool
    let canMakeOperator: Bool
    var notice: Notice?
}

/// One factor on the admin's user page.
struct AdminFactorRow: Sendable {
    let id: String
    let type: String
    let label: String
    let added: String
    let lastUsed: String
}

/// One of the user's remembered devices on the admin's user page (times in the organization's zone).
struct AdminDeviceRow: Sendable {
    let name: String
    let created: String
    let lastUsed: String
    let place: String
    let expires: String

    init(_ device: RememberedDevice, context: AdminContext) {
        name = device.name
        created = context.local(device.createdAt)
        lastUsed = device.lastUsedAt.map(context.local) ?? "Not yet"
        place = RememberedDeviceRow.place(ip: device.lastUsedIP ?? device.createdIP)
        expires = context.local(device.expiresAt)
    }
}

/// A group on the user page: one they are in (with "Remove"), or one they could join.
struct AdminGroupChip: Sendable {
    let id: String
    let name: String
    let requiresMFA: Bool
}

/// The confirmation the user page asks before a weighty action (a dialog without script: its own section).
struct AdminConfirmation: Sendable {
    let action: String
    let question: String
    let button: String
    let danger: Bool
    /// A hidden field the confirmed form carries (the factor to remove).
    let factorID: String?
}

/// One user's page (`admin-user`): profile, MFA status and requirement, factors, groups, lock state and the actions.
struct AdminUserPage: PageView {
    static let template = "admin-user"
    let title: String
    let nav: AdminNavView
    let id: String
    let username: String
    let displayName: String
    let email: String
    let phone: String
    let mfaStatus: String
    let mfaClass: String
    let requiredBy: String?
    /// Whether the user's own requirement is on (the "Require" / "Don't require" button).
    let requiredByUser: Bool
    let factors: [AdminFactorRow]
    let hasFactors: Bool
    /// The browsers the user chose to remember, with "Forget all remembered devices".
    let devices: [AdminDeviceRow]
    let deviceCount: String
    let hasDevices: Bool
    let groups: [AdminGroupChip]
    let otherGroups: [AdminGroupChip]
    let hasOtherGroups: Bool
    let locked: Bool
    let lockUntil: String
    let disabled: Bool
    let failedPasswords: Int
    let failedFactors: Int
    let lastSignIn: String
    let created: String
    let mustChangePassword: Bool
    let isAdmin: Bool
    let isOperator: Bool
    /// Operators may make operators; nobody changes their own roles or disables themselves.
    let canMakeOperator: Bool
    let isSelf: Bool
    let confirmation: AdminConfirmation?
    /// A generated temporary password, shown once.
    let temporaryPassword: String?
}
