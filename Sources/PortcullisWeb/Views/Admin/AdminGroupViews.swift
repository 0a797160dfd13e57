/// One group in the list.
struct AdminGroupRow: Sendable {
    let id: String
    let name: String
    let requiresMFA: Bool
    let members: Int
}

/// The groups list and the new-group form (`admin-groups`).
struct AdminGroupsPage: PageView {
    static let template = "admin-groups"
    let title = "Groups"
    let nav: AdminNavView
    let groups: [AdminGroupRow]
    let hasGroups: Bool
}

/// A member on a group's page.
struct AdminMemberRow: Sendable {
    let id: String
    let username: String
    let displayName: String
}

/// One group (`admin-group`): its name and requirement, its members, and deleting it.
struct AdminGroupPage: PageView {
    static let template = "admin-group"
    let title: String
    let nav: AdminNavView
    let id: String
    let name: String
    let requiresMFA: Bool
    let members: [AdminMemberRow]
    let hasMembers: Bool
    let confirmDelete: Bool
}
