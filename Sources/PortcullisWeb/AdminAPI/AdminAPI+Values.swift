import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// The domain's values as the document's schemas.
extension AdminAPI {
    /// A user as the document shows one: with their MFA status and where the requirement comes from (their own, each
    /// requiring group's, by name and id, the organization's). `groupIDs` maps group names, lower case, to ids.
    func userSchema(_ status: UserAdministration.UserStatus, groupIDs: [String: String]) -> Components.Schemas.User {
        let user = status.user, requirement = status.requirement
        var requiredBy: Components.Schemas.User.MfaRequiredByPayload = []
        if requirement.byUser { requiredBy.append(.init(kind: .user)) }
        for name in requirement.byGroups {
            requiredBy.append(.init(kind: .group, groupId: groupIDs[name.lowercased()], groupName: name))
        }
        if requirement.byOrganization { requiredBy.append(.init(kind: .organization)) }
        let locked = user.isLocked(at: app.clock.now)
        return Components.Schemas.User(
            id: user.id, username: user.username, name: user.displayName, email: user.email, phone: user.phone,
            mfaStatus: Components.Schemas.MFAStatus(rawValue: status.state.rawValue) ?? .none, mfaRequired: requirement.isRequired,
            mfaRequiredBy: requiredBy, role: user.isOperator ? ._operator : user.isAdmin ? .admin : .user, disabled: user.disabled,
            locked: locked, lockedUntil: locked && !user.lockNeedsAdmin ? user.lockedUntil : nil, lastSignInAt: user.lastSignInAt,
            createdAt: user.createdAt)
    }

    /// One user as the document shows one, read afresh.
    func userSchema(_ user: User) async throws -> Components.Schemas.User {
        let status = try await app.users.status(of: user)
        let groups = status.requirement.byGroups.isEmpty ? [] : try await app.groups.groups(of: user)
        return userSchema(status, groupIDs: Self.ids(of: groups))
    }

    /// A page of one organization's users; the groups are read once, when a requirement names one.
    func userSchemas(_ statuses: [UserAdministration.UserStatus], organizationID: String, caller: AdminAPICaller) async throws
        -> [Components.Schemas.User] {
        let named = statuses.contains { !$0.requirement.byGroups.isEmpty }
        let groups = named ? try await app.groups.list(organizationID: organizationID, scope: caller.scope) : []
        let ids = Self.ids(of: groups)
        return statuses.map { userSchema($0, groupIDs: ids) }
    }

    /// Group ids by name, lower case (names are unique in an organization regardless of case).
    static func ids(of groups: [Group]) -> [String: String] {
        Dictionary(groups.map { ($0.name.lowercased(), $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    static func groupSchema(_ group: Group) -> Components.Schemas.Group {
        Components.Schemas.Group(id: group.id, name: group.name, requireMFA: group.mfaRequired, memberCount: group.memberCount,
                                 createdAt: group.createdAt)
    }

    /// A user's confirmed factors (enrollments not finished are not theirs yet). The type's stored name is the
    /// document's, so it is carried over by value (no type is named here).
    func factorSchemas(of user: User) async throws -> [Components.Schemas.Factor] {
        try await app.factors.list(userID: user.id).filter(\.confirmed).compactMap { factor in
            guard let type = Components.Schemas.Factor._TypePayload(rawValue: factor.type.rawValue) else { return nil }
            return Components.Schemas.Factor(id: factor.id, _type: type, name: factor.label, isDefault: factor.isDefault,
                                             createdAt: factor.createdAt, lastUsedAt: factor.lastUsedAt)
        }
    }

    static func tokenSchema(_ token: HardwareToken) -> Components.Schemas.Token {
        let state: Components.Schemas.TokenState = switch token.state {
        case .unassigned: .available
        case .assigned: .assigned
        case .lent: .lent
        case .disabled: .disabled
        }
        return Components.Schemas.Token(
            id: token.id, serial: token.serial, state: state, pool: token.organizationID == nil,
            algorithm: Components.Schemas.Token.AlgorithmPayload(rawValue: token.algorithm.rawValue) ?? .sha1,
            digits: Components.Schemas.Token.DigitsPayload(rawValue: token.digits) ?? ._6, counter: Int(token.counter), userId: token.userID, dueAt: token.lentUntil,
            createdAt: token.createdAt)
    }

    /// The document's token state in the domain's words.
    static func tokenState(_ state: Components.Schemas.TokenState) -> TokenState {
        switch state {
        case .available: .unassigned
        case .assigned: .assigned
        case .lent: .lent
        case .disabled: .disabled
        }
    }
}
