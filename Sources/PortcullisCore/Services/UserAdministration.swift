import Foundation
import PortcullisCrypto

/// What an administrator does to users (SPEC §4.2), for the admin pages, the admin API and the command line alike:
/// find and list them with their MFA status, edit, disable, delete, lock and unlock, end their sessions, set a
/// temporary password and remove factors ("lost phone"). Users are found through an `AdminScope`, so another
/// organization's user is not found; each change commits with its audit event naming the acting administrator.
public struct UserAdministration: Sendable {
    let repositories: Repositories
    let context: FactorContext
    let audit: AuditLog
    let accounts: AccountAdministration
    let factors: FactorManagement
    let inventory: TokenInventory
    var clock: any WallClock { context.clock }

    public init(repositories: Repositories, context: FactorContext, audit: AuditLog, accounts: AccountAdministration,
                factors: FactorManagement, inventory: TokenInventory) {
        self.repositories = repositories
        self.context = context
        self.audit = audit
        self.accounts = accounts
        self.factors = factors
        self.inventory = inventory
    }

    /// Why an administrator's action on a user was refused.
    public enum UserAdministrationError: DomainError, Equatable {
        case notFound
        /// Disabling, deleting or locking one's own account, or taking one's own roles away.
        case ownAccount
        case invalidEmail
        case invalidPhone

        public var code: String {
            switch self {
            case .notFound: "user.not_found_by_id"
            case .ownAccount: "user.own_account"
            case .invalidEmail: "user.invalid_email"
            case .invalidPhone: "user.invalid_phone"
            }
        }

        public var kind: ErrorKind {
            switch self {
            case .notFound: .notFound
            case .ownAccount: .conflict
            case .invalidEmail, .invalidPhone: .invalid
            }
        }
    }

    /// A user and where they stand with MFA.
    public struct UserStatus: Sendable, Equatable {
        public var user: User
        public var state: MFAState
        public var requirement: MFARequirement
        public var possessionFactorCount: Int
    }

    // MARK: Finding

    /// A user in the scope, by id.
    public func user(id: String, scope: AdminScope) async throws -> User {
        guard let user = try await repositories.users.find(id: id), scope.covers(user.organizationID) else {
            throw UserAdministrationError.notFound
        }
        return user
    }

    /// One page of an organization's users with their MFA status, and the cursor of the next page (nil on the last).
    public func search(_ query: UserQuery, scope: AdminScope) async throws -> (users: [UserStatus], next: String?) {
        guard scope.covers(query.organizationID) else { return ([], nil) }
        let context = try await context.forOrganization(id: query.organizationID)
        var query = query
        query.possessionTypes = context.methods.possessionTypes
        query.everyoneRequired = context.policy.mfaRequiredForEveryone
        query.now = clock.now
        let limit = max(1, min(query.limit, 200))
        query.limit = limit + 1
        let rows = try await repositories.users.search(query)
        let page = Array(rows.prefix(limit))
        let groups = try await repositories.groups.requiringMFA(userIDs: page.map(\.user.id))
        let users = page.map { row in
            let requirement = MFARequirement(byUser: row.user.mfaRequired, byGroups: groups[row.user.id] ?? [],
                                             byOrganization: query.everyoneRequired)
            return UserStatus(user: row.user, state: MFAState(requirement, confirmedFactorCount: row.possessionFactorCount),
                              requirement: requirement, possessionFactorCount: row.possessionFactorCount)
        }
        return (users, rows.count > limit ? page.last?.user.username : nil)
    }

    /// One user's status.
    public func status(of user: User) async throws -> UserStatus {
        let context = try await context.forOrganization(id: user.organizationID)
        let count = try await repositories.factors.list(userID: user.id).filter { $0.confirmed && context.methods.isPossession($0) }.count
        let requirement = try await context.mfaRequirement(of: user)
        return UserStatus(user: user, state: MFAState(requirement, confirmedFactorCount: count), requirement: requirement,
                          possessionFactorCount: count)
    }

    // MARK: Changing

    /// An email address and phone number as users store them (trimmed, lower case; E.164), after checking them;
    /// nil for an absent or empty one. `update` uses it, and a front that creates a user with them checks first.
    public static func contact(email: String?, phone: String?) throws -> (email: String?, phone: String?) {
        let email = email?.trimmingCharacters(in: .whitespaces).lowercased().nonEmpty
        if let email, case .failure = EmailFactor.validate(email, blockedDomains: []) { throw UserAdministrationError.invalidEmail }
        var phoneNumber: String?
        if let typed = phone?.trimmingCharacters(in: .whitespaces).nonEmpty {
            guard let parsed = PhoneNumber.parse(country: "", number: typed) else { throw UserAdministrationError.invalidPhone }
            phoneNumber = parsed.e164
        }
        return (email, phoneNumber)
    }

    /// Edits the name, email and phone; audited with the names of the fields that changed.
    public func update(_ user: User, displayName: String, email: String?, phone: String?, scope: AdminScope) async throws -> User {
        let contact = try Self.contact(email: email, phone: phone)
        var updated = user
        updated.displayName = User.cleanDisplayName(displayName) ?? user.username
        updated.email = contact.email
        updated.phone = contact.phone
        var changed: [String] = []
        if updated.displayName != user.displayName { changed.append("name") }
        if updated.email != user.email { changed.append("email") }
        if updated.phone != user.phone { changed.append("phone") }
        guard !changed.isEmpty else { return user }
        let result = updated, fields = changed
        try await repositories.atomically { [audit] r in
            try await r.users.updateProfile(userID: user.id, displayName: result.displayName, email: result.email, phone: result.phone)
            try await audit.record(.userUpdated, organizationID: user.organizationID, userID: user.id, actor: scope.actor,
                                   detail: .userUpdated(changed: fields), in: r)
        }
        return result
    }

    /// Disables (ending every session) or enables an account.
    public func setDisabled(_ user: User, _ disabled: Bool, scope: AdminScope) async throws {
        if disabled, scope.actor == .admin(user.id) { throw UserAdministrationError.ownAccount }
        try await repositories.atomically { [audit] r in
            try await r.users.setDisabled(userID: user.id, disabled)
            if disabled { try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil) }
            try await audit.record(disabled ? .userDisabled : .userEnabled, organizationID: user.organizationID, userID: user.id,
                                   actor: scope.actor, in: r)
        }
    }

    /// Deletes a user with their factors and sessions; their hardware tokens go back to the inventory first. The
    /// audit trail stays, and records the username.
    public func delete(_ user: User, scope: AdminScope) async throws {
        if scope.actor == .admin(user.id) { throw UserAdministrationError.ownAccount }
        for token in try await repositories.tokens.list(userID: user.id) { try await inventory.unassign(token, actor: scope.actor) }
        try await repositories.atomically { [audit] r in
            try await r.users.delete(id: user.id)
            try await audit.record(.userDeleted, organizationID: user.organizationID, userID: user.id, actor: scope.actor,
                                   detail: .userDeleted(username: user.username), in: r)
        }
    }

    /// Locks an account until an administrator unlocks it, ending its sessions.
    public func lock(_ user: User, scope: AdminScope) async throws {
        if scope.actor == .admin(user.id) { throw UserAdministrationError.ownAccount }
        try await repositories.atomically { [audit] r in
            try await r.users.lockByAdmin(userID: user.id)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.accountLocked, organizationID: user.organizationID, userID: user.id, actor: scope.actor, reason: "admin",
                                   detail: .locked(until: nil, level: user.lockLevel), in: r)
        }
    }

    public func unlock(_ user: User, scope: AdminScope) async throws {
        try await accounts.unlock(user: user, actor: scope.actor)
    }

    /// Signs the user out everywhere.
    public func endSessions(_ user: User, scope: AdminScope) async throws {
        try await repositories.atomically { [audit] r in
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.sessionsEnded, organizationID: user.organizationID, userID: user.id, actor: scope.actor, in: r)
        }
    }

    /// Sets a temporary password (the one given, or a generated one, returned to show once) that the user must
    /// change at the next sign-in; ends their sessions and forgets their remembered devices.
    public func setTemporaryPassword(_ user: User, password: String?, scope: AdminScope) async throws -> String {
        let password = password?.nonEmpty ?? accounts.generatePassword()
        try AccountAdministration.checkPassword(password)
        let hash = try await accounts.hasher.hash(password)
        let now = context.clock.now
        try await repositories.atomically { [audit] r in
            try await r.users.setPassword(userID: user.id, hash: hash, changedAt: now, mustChange: true)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.temporaryPasswordSet, organizationID: user.organizationID, userID: user.id, actor: scope.actor, in: r)
            try await RememberedDevices.revokeAll(userID: user.id, organizationID: user.organizationID, reason: "password_changed",
                                                  actor: scope.actor, ip: nil, audit: audit, in: r)
        }
        context.notify(.passwordChanged, userID: user.id)
        return password
    }

    /// Removes one of a user's factors. The last possession factor goes with the backups beside it; a user who must
    /// use MFA goes back to Pending.
    public func removeFactor(_ user: User, factorID: String, scope: AdminScope) async throws -> Bool {
        try await factors.remove(userID: user.id, factorID: factorID, confirmLast: true, actor: scope.actor, ip: "") == .removed
    }

    /// "Lost phone": removes every factor the user holds (hardware tokens go back to the inventory).
    public func removeAllFactors(_ user: User, scope: AdminScope) async throws {
        for token in try await repositories.tokens.list(userID: user.id) { try await inventory.unassign(token, actor: scope.actor) }
        let all = try await repositories.factors.list(userID: user.id)
        let possessionFirst = all.filter { context.methods.isPossession($0) } + all.filter { !context.methods.isPossession($0) }
        for factor in possessionFirst where try await repositories.factors.find(id: factor.id, userID: user.id) != nil {
            _ = try await factors.remove(userID: user.id, factorID: factor.id, confirmLast: true, actor: scope.actor, ip: "")
        }
    }
}

extension String {
    /// nil for an empty string.
    var nonEmpty: String? { isEmpty ? nil : self }
}
