import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// Users (SPEC §4.2): search, create, read, change and delete, through `UserAdministration` (found and changed within
/// the key's scope), `AccountAdministration` (creating, the two-factor requirement, roles) and `GroupAdministration`
/// (a user's groups). What is done to one user (lock, unlock, factors, sessions, a temporary password) is in
/// `AdminAPI+UserActions.swift`.
extension AdminAPI {
    /// One page of the organization's users by username, filtered by text, MFA status, lock, disabled and group, in one
    /// query of `UserAdministration.search`.
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let caller = try caller
        let query = input.query
        let paging = try AdminAPIPaging(limit: query.limit, cursor: query.cursor)
        try Self.check(query.q, "q", 0...128)
        let organization = try await caller.organization(named: query.org, directory: app.directory)
        if let groupID = query.group {
            // A group of another organization (or none) is not found, as in a path.
            let group = try await visibleGroup(groupID, caller)
            guard group.organizationID == organization.id else { throw GroupAdministration.GroupError.notFound }
        }
        // No user's name, username or email holds a NUL (nor can the database compare one): nothing matches.
        if query.q?.unicodeScalars.contains("\0") == true { return .ok(.init(body: .json(.init(items: [])))) }
        let search = UserQuery(organizationID: organization.id, text: query.q, mfa: query.mfa.flatMap { MFAState(rawValue: $0.rawValue) },
                               locked: query.locked, disabled: query.disabled, groupID: query.group, after: paging.afterValue,
                               limit: paging.limit)
        let (users, next) = try await app.users.search(search, scope: caller.scope)
        let items = try await userSchemas(users, organizationID: organization.id, caller: caller)
        return .ok(.init(body: .json(.init(items: items, next: next.flatMap { AdminAPIPaging.cursor([$0]) }))))
    }

    /// A given password, or a generated one returned once that the user must change at the next sign-in. Email and
    /// phone are checked before the user is made (a phone is then set through `UserAdministration.update`).
    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        let caller = try caller
        guard case .json(let new) = input.body else { throw AdminAPIProblem.badRequest() }
        try Self.check(new.username, "username", 1...64)
        try Self.checkText(new.name, "name", 0...128)
        try Self.checkText(new.email, "email", 0...254)
        try Self.checkText(new.phone, "phone", 0...32)
        try Self.check(new.password, "password", 8...256)
        if new.role == ._operator { try caller.requireOperatorWide() }
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let contact = try UserAdministration.contact(email: new.email, phone: new.phone)
        let generated = new.password == nil
        let password = new.password ?? app.administration.generatePassword()
        var user = try await app.administration.createUser(
            organization: organization, username: new.username, displayName: new.name, email: contact.email, password: password,
            isAdmin: new.role == .admin, isOperator: new.role == ._operator, mfaRequired: new.requireMFA ?? false,
            mustChangePassword: generated, actor: caller.actor)
        if let phone = contact.phone {
            user = try await app.users.update(user, displayName: user.displayName, email: user.email, phone: phone, scope: caller.scope)
        }
        let created = Components.Schemas.CreatedUser(user: try await userSchema(user), temporaryPassword: generated ? password : nil)
        return .created(.init(body: .json(created)))
    }

    /// The user with their factors, groups and failures toward the current lock.
    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let user = try await visibleUser(input.path.userId, try caller)
        let status = try await app.users.status(of: user)
        let groups = try await app.groups.groups(of: user)
        let detail = Components.Schemas.UserDetail(
            value1: userSchema(status, groupIDs: Self.ids(of: groups)),
            value2: .init(factors: try await factorSchemas(of: user), groups: groups.map { .init(id: $0.id, name: $0.name) },
                          failedAttempts: user.failedPasswordAttempts + user.failedFactorAttempts))
        return .ok(.init(body: .json(detail)))
    }

    /// Changes the members given, each through its service: name, email and phone (`UserAdministration.update`; an
    /// empty email or phone removes it), disabled, the user's own two-factor requirement, the role. Everything that
    /// may be refused for the caller is checked before anything changes; a member already so changes nothing.
    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let caller = try caller
        guard case .json(let change) = input.body else { throw AdminAPIProblem.badRequest() }
        guard change.name != nil || change.email != nil || change.phone != nil || change.disabled != nil || change.requireMFA != nil
                || change.role != nil else { throw AdminAPIProblem.badParameter("body") }
        try Self.checkText(change.name, "name", 0...128)
        try Self.checkText(change.email, "email", 0...254)
        try Self.checkText(change.phone, "phone", 0...32)
        var user = try await visibleUser(input.path.userId, caller)
        // Only an operator-wide key makes or unmakes an operator.
        if let role = change.role, role == ._operator || user.isOperator { try caller.requireOperatorWide() }
        if change.name != nil || change.email != nil || change.phone != nil {
            user = try await app.users.update(user, displayName: change.name ?? user.displayName, email: change.email ?? user.email,
                                              phone: change.phone ?? user.phone, scope: caller.scope)
        }
        if let disabled = change.disabled, disabled != user.disabled {
            try await app.users.setDisabled(user, disabled, scope: caller.scope)
        }
        if let required = change.requireMFA, required != user.mfaRequired {
            try await app.administration.setMFARequired(user: user, required, actor: caller.actor)
        }
        if let role = change.role, role != Self.role(of: user) {
            try await app.administration.setRoles(user: user, isAdmin: role == .admin, isOperator: role == ._operator, actor: caller.actor)
        }
        return .ok(.init(body: .json(try await userSchema(try await visibleUser(user.id, caller)))))
    }

    /// Deletes the user with their factors and sessions (their hardware tokens go back to the inventory); the audit
    /// trail stays.
    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        let caller = try caller
        try await app.users.delete(try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    static func role(of user: User) -> Components.Schemas.Role {
        user.isOperator ? ._operator : user.isAdmin ? .admin : .user
    }

    /// A string member within the document's length bounds, counted in code points as JSON Schema does (400
    /// otherwise); absent is fine.
    static func check(_ value: String?, _ name: String, _ bounds: ClosedRange<Int>) throws {
        guard let value else { return }
        guard bounds.contains(value.unicodeScalars.count) else { throw AdminAPIProblem.badParameter(name) }
    }

    /// Text to be stored (a name, an email address): within its bounds, and without NUL, which the document allows
    /// but PostgreSQL cannot store (422).
    static func checkText(_ value: String?, _ name: String, _ bounds: ClosedRange<Int>) throws {
        try check(value, name, bounds)
        if value?.unicodeScalars.contains("\0") == true { throw AdminAPIProblem.invalid(name) }
    }
}
