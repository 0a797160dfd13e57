import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// Users (SPEC §4.2): read, create, unlock, require two-factor, roles and temporary passwords through
/// `AccountAdministration`, `Directory` and `FactorManagement`. What their services do not offer yet (search filters,
/// editing name, email, phone or disabled, deleting, locking, removing factors, ending sessions) answers 501.
extension AdminAPI {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let caller = try caller
        let query = input.query
        guard query.q == nil, query.mfa == nil, query.locked == nil, query.disabled == nil, query.group == nil else {
            throw AdminAPIProblem.notImplemented("listUsers: q, mfa, locked, disabled and group")
        }
        let paging = try AdminAPIPaging(limit: query.limit, cursor: query.cursor)
        let organization = try await caller.organization(named: query.org, directory: app.directory)
        let users = try await app.directory.users(organizationID: organization.id).sorted { $0.username < $1.username }
        let (page, next) = paging.page(users) { [$0.username] }
        var items: [Components.Schemas.User] = []
        for user in page { items.append(try await userSchema(user)) }
        return .ok(.init(body: .json(.init(items: items, next: next))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        let caller = try caller
        guard case .json(let new) = input.body else { throw AdminAPIProblem.badRequest() }
        try Self.check(new.username, "username", 1...64)
        try Self.check(new.name, "name", 0...128)
        try Self.check(new.email, "email", 0...254)
        try Self.check(new.password, "password", 8...256)
        guard new.phone == nil else { throw AdminAPIProblem.notImplemented("createUser: phone") }
        if new.role == ._operator { try caller.requireOperatorWide() }
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let password = new.password ?? app.administration.generatePassword()
        let user = try await app.administration.createUser(
            organization: organization, username: new.username, displayName: new.name, email: new.email, password: password,
            isAdmin: new.role == .admin, isOperator: new.role == ._operator, mfaRequired: new.requireMFA ?? false, actor: caller.actor)
        let created = Components.Schemas.CreatedUser(user: try await userSchema(user), temporaryPassword: new.password == nil ? password : nil)
        return .created(.init(body: .json(created)))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let user = try await visibleUser(input.path.userId, try caller)
        // Groups come with the groups domain; failures are the counts toward the current lock.
        let detail = Components.Schemas.UserDetail(
            value1: try await userSchema(user),
            value2: .init(factors: try await factorSchemas(of: user), groups: [],
                          failedAttempts: user.failedPasswordAttempts + user.failedFactorAttempts))
        return .ok(.init(body: .json(detail)))
    }

    /// Requiring two-factor and the role are implemented; the other members wait for their service.
    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let caller = try caller
        guard case .json(let change) = input.body else { throw AdminAPIProblem.badRequest() }
        var user = try await visibleUser(input.path.userId, caller)
        guard change.name == nil, change.email == nil, change.phone == nil, change.disabled == nil else {
            throw AdminAPIProblem.notImplemented("updateUser: name, email, phone and disabled")
        }
        guard change.requireMFA != nil || change.role != nil else { throw AdminAPIProblem.badParameter("body") }
        if let role = change.role {
            // Only an operator-wide key makes or unmakes an operator.
            if role == ._operator || user.isOperator { try caller.requireOperatorWide() }
            try await app.administration.setRoles(user: user, isAdmin: role == .admin, isOperator: role == ._operator, actor: caller.actor)
        }
        if let required = change.requireMFA {
            try await app.administration.setMFARequired(user: user, required, actor: caller.actor)
        }
        user = try await visibleUser(user.id, caller)
        return .ok(.init(body: .json(try await userSchema(user))))
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        throw AdminAPIProblem.notImplemented("deleteUser")
    }

    func unlockUser(_ input: Operations.UnlockUser.Input) async throws -> Operations.UnlockUser.Output {
        let caller = try caller
        try await app.administration.unlock(user: try await visibleUser(input.path.userId, caller), actor: caller.actor)
        return .noContent(.init())
    }

    func lockUser(_ input: Operations.LockUser.Input) async throws -> Operations.LockUser.Output {
        throw AdminAPIProblem.notImplemented("lockUser")
    }

    func listUserFactors(_ input: Operations.ListUserFactors.Input) async throws -> Operations.ListUserFactors.Output {
        let user = try await visibleUser(input.path.userId, try caller)
        return .ok(.init(body: .json(.init(items: try await factorSchemas(of: user)))))
    }

    func removeUserFactors(_ input: Operations.RemoveUserFactors.Input) async throws -> Operations.RemoveUserFactors.Output {
        throw AdminAPIProblem.notImplemented("removeUserFactors")
    }

    func removeUserFactor(_ input: Operations.RemoveUserFactor.Input) async throws -> Operations.RemoveUserFactor.Output {
        throw AdminAPIProblem.notImplemented("removeUserFactor")
    }

    func endUserSessions(_ input: Operations.EndUserSessions.Input) async throws -> Operations.EndUserSessions.Output {
        throw AdminAPIProblem.notImplemented("endUserSessions")
    }

    /// A generated password, returned once; setting it ends the user's sessions. (Changing it at the next sign-in is
    /// not enforced yet: the domain has no such flag.)
    func setTemporaryPassword(_ input: Operations.SetTemporaryPassword.Input) async throws -> Operations.SetTemporaryPassword.Output {
        let caller = try caller
        let user = try await visibleUser(input.path.userId, caller)
        let password = app.administration.generatePassword()
        try await app.administration.setPassword(user: user, password: password, actor: caller.actor)
        return .ok(.init(body: .json(.init(temporaryPassword: password))))
    }

    /// A string member within the document's length bounds, counted in code points as JSON Schema does (400
    /// otherwise); absent is fine.
    static func check(_ value: String?, _ name: String, _ bounds: ClosedRange<Int>) throws {
        guard let value else { return }
        guard bounds.contains(value.unicodeScalars.count) else { throw AdminAPIProblem.badParameter(name) }
    }
}
