import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// What an administrator does to one user (SPEC §4.2), each one call on `UserAdministration` within the key's scope,
/// audited with the key: lock and unlock, list and remove factors ("lost phone"), end sessions, list and forget
/// remembered devices, set a temporary password.
extension AdminAPI {
    /// Lifts a lock (also one only an administrator may lift) and ends the user's sessions.
    func unlockUser(_ input: Operations.UnlockUser.Input) async throws -> Operations.UnlockUser.Output {
        let caller = try caller
        try await app.users.unlock(try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// Locks until an administrator unlocks, ending the user's sessions.
    func lockUser(_ input: Operations.LockUser.Input) async throws -> Operations.LockUser.Output {
        let caller = try caller
        try await app.users.lock(try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    func listUserFactors(_ input: Operations.ListUserFactors.Input) async throws -> Operations.ListUserFactors.Output {
        let user = try await visibleUser(input.path.userId, try caller)
        return .ok(.init(body: .json(.init(items: try await factorSchemas(of: user)))))
    }

    /// "Lost phone": every factor goes (hardware tokens back to the inventory); a required user is pending again.
    func removeUserFactors(_ input: Operations.RemoveUserFactors.Input) async throws -> Operations.RemoveUserFactors.Output {
        let caller = try caller
        try await app.users.removeAllFactors(try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// One factor; the last possession factor takes the backups with it. A hardware token's factor is taken back by
    /// unassigning the token (409); a factor the user does not hold is not found.
    func removeUserFactor(_ input: Operations.RemoveUserFactor.Input) async throws -> Operations.RemoveUserFactor.Output {
        let caller = try caller
        let user = try await visibleUser(input.path.userId, caller)
        let factorID = input.path.factorId
        guard Self.isID(factorID) else { throw AdminAPIProblem.notFound }
        if try await app.users.removeFactor(user, factorID: factorID, scope: caller.scope) { return .noContent(.init()) }
        // A factor its holder cannot remove (a hardware token) goes back through the inventory instead.
        let held = try await app.factors.list(userID: user.id).first { $0.id == factorID && $0.confirmed }
        let viaInventory = held.map { app.methods.descriptor(of: $0)?.userRemovable == false } ?? false
        throw viaInventory ? AdminAPIProblem.tokenFactor : AdminAPIProblem.notFound
    }

    func endUserSessions(_ input: Operations.EndUserSessions.Input) async throws -> Operations.EndUserSessions.Output {
        let caller = try caller
        try await app.users.endSessions(try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// The browsers that skip the user's second factor ("Remember this device"), newest first.
    func listUserRememberedDevices(_ input: Operations.ListUserRememberedDevices.Input) async throws -> Operations.ListUserRememberedDevices.Output {
        let caller = try caller
        let devices = try await app.rememberedDevices.list(of: try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .ok(.init(body: .json(.init(items: devices.map {
            Components.Schemas.RememberedDevice(id: $0.id, name: $0.name, createdAt: $0.createdAt, createdIP: $0.createdIP, lastUsedAt: $0.lastUsedAt,
                                                lastUsedIP: $0.lastUsedIP, expiresAt: $0.expiresAt)
        }))))
    }

    /// Forgets every remembered device of the user (audited with the key): each asks for a second factor again.
    func forgetUserRememberedDevices(_ input: Operations.ForgetUserRememberedDevices.Input) async throws
        -> Operations.ForgetUserRememberedDevices.Output {
        let caller = try caller
        try await app.rememberedDevices.forgetAll(of: try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// A generated password, returned once, that the user must change at the next sign-in; their sessions end.
    func setTemporaryPassword(_ input: Operations.SetTemporaryPassword.Input) async throws -> Operations.SetTemporaryPassword.Output {
        let caller = try caller
        let user = try await visibleUser(input.path.userId, caller)
        let password = try await app.users.setTemporaryPassword(user, password: nil, scope: caller.scope)
        return .ok(.init(body: .json(.init(temporaryPassword: password))))
    }
}
