import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// The domain's values as the document's schemas.
extension AdminAPI {
    /// A user as the document shows one. The requirement comes only from the user today (groups and organization
    /// policy will add theirs).
    func userSchema(_ user: User) async throws -> Components.Schemas.User {
        let state = try await app.factors.mfaState(of: user)
        let now = app.clock.now
        let locked = user.isLocked(at: now)
        return Components.Schemas.User(
            id: user.id, username: user.username, name: user.displayName, email: user.email, phone: nil,
            mfaStatus: Components.Schemas.MFAStatus(rawValue: state.rawValue) ?? .none, mfaRequired: user.mfaRequired,
            mfaRequiredBy: user.mfaRequired ? [.init(kind: .user)] : [],
            role: user.isOperator ? ._operator : user.isAdmin ? .admin : .user, disabled: user.disabled, locked: locked,
            lockedUntil: locked && !user.lockNeedsAdmin ? user.lockedUntil : nil, lastSignInAt: user.lastSignInAt, createdAt: user.createdAt)
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
