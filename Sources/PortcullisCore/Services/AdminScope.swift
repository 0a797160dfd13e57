import Foundation

/// Who administers, and over what (SPEC §4): an organization's admin (or an admin API key) sees only that
/// organization; an operator, an operator-wide key and the command line see every one. Administration services
/// look things up through a scope, so something of another organization is "not found" whichever front asks.
public struct AdminScope: Sendable, Equatable {
    /// Recorded with every change.
    public var actor: AuditActor
    /// The one organization this scope covers; nil for every organization.
    public var organizationID: String?

    public init(actor: AuditActor, organizationID: String?) {
        self.actor = actor
        self.organizationID = organizationID
    }

    /// A signed-in administrator: their own organization, or every one for an operator.
    public static func administrator(_ user: User) -> AdminScope {
        AdminScope(actor: .admin(user.id), organizationID: user.isOperator ? nil : user.organizationID)
    }

    /// The `portcullis` command line on the server.
    public static let cli = AdminScope(actor: .cli, organizationID: nil)

    public func covers(_ organizationID: String) -> Bool {
        self.organizationID == nil || self.organizationID == organizationID
    }
}
