import Foundation
import PortcullisCrypto

/// Creating organizations and users, setting passwords, roles, the MFA requirement and organization settings: what
/// the command line (and later the admin pages and API) do. Each change and its audit event commit in one transaction.
public struct AccountAdministration: Sendable {
    let repositories: Repositories
    let hasher: PasswordHasher
    let clock: any WallClock
    let random: any RandomSource
    let audit: AuditLog
    /// The server's policy: what a new organization's policy starts as.
    let defaults: SecurityPolicy

    public init(repositories: Repositories, hasher: PasswordHasher, clock: any WallClock, random: any RandomSource, audit: AuditLog,
                defaults: SecurityPolicy = SecurityPolicy()) {
        self.defaults = defaults
        self.repositories = repositories
        self.hasher = hasher
        self.clock = clock
        self.random = random
        self.audit = audit
    }

    /// Why an account action was refused; worded by each front through the error catalog.
    public enum AdministrationError: DomainError, Equatable {
        case invalidSlug(String)
        case invalidUsername(String)
        case organizationNotFound(String)
        case userNotFound(String)
        case organizationExists(String)
        case userExists(String)

        public var code: String {
            switch self {
            case .invalidSlug: "organization.invalid_slug"
            case .invalidUsername: "user.invalid_username"
            case .organizationNotFound: "organization.not_found"
            case .userNotFound: "user.not_found"
            case .organizationExists: "organization.exists"
            case .userExists: "user.exists"
            }
        }

        public var kind: ErrorKind {
            switch self {
            case .invalidSlug, .invalidUsername: .invalid
            case .organizationNotFound, .userNotFound: .notFound
            case .organizationExists, .userExists: .conflict
            }
        }

        public var arguments: [String: String] {
            switch self {
            case .invalidSlug(let slug), .organizationNotFound(let slug), .organizationExists(let slug): ["slug": slug]
            case .invalidUsername(let username), .userNotFound(let username), .userExists(let username): ["username": username]
            }
        }
    }

    /// The floor for a password an administrator sets (8 to 1024 characters, counted as the policy counts them):
    /// a temporary one is replaced by the user's own at the next sign-in, and every password a user chooses
    /// follows the organization's whole policy (`PasswordService`).
    public static func checkPassword(_ password: String) throws {
        let length = PasswordText.length(password)
        guard (8...1024).contains(length) else {
            throw PasswordRefusal(problem: length < 8 ? .tooShort : .tooLong, minimumLength: 8, maximumLength: 1024, characterClasses: 0)
        }
    }

    public func createOrganization(slug: String, name: String, actor: AuditActor) async throws -> Organization {
        guard Organization.isValidSlug(slug) else { throw AdministrationError.invalidSlug(slug) }
        let organization = Organization(id: random.identifier(), slug: slug, name: name, createdAt: clock.now,
                                        policy: OrganizationPolicy(defaults: defaults))
        try await repositories.atomically { [audit] r in
            if try await r.organizations.find(slug: slug) != nil { throw AdministrationError.organizationExists(slug) }
            try await r.organizations.insert(organization)
            try await audit.record(.organizationCreated, organizationID: organization.id, userID: nil, actor: actor, detail: .organizationCreated(slug: slug), in: r)
        }
        return organization
    }

    /// Replaces an organization's policy (SPEC §4.1) after checking it; audited with the names of the settings that
    /// changed. Sign-ins from now on follow it.
    public func setPolicy(_ organization: Organization, _ policy: OrganizationPolicy, actor: AuditActor) async throws {
        var policy = policy
        policy.blockedEmailDomains = policy.blockedEmailDomains.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        try policy.validate()
        let changed = organization.policy.changedKeys(to: policy)
        guard !changed.isEmpty else { return }
        let stored = policy
        try await repositories.atomically { [audit] r in
            try await r.organizations.updatePolicy(id: organization.id, stored)
            try await audit.record(.organizationUpdated, organizationID: organization.id, userID: nil, actor: actor,
                                   detail: .organizationUpdated(changed: changed), in: r)
        }
    }

    /// An organization in the scope, by id.
    public func organization(id: String, scope: AdminScope) async throws -> Organization {
        guard scope.covers(id), let organization = try await repositories.organizations.find(id: id) else {
            throw AdministrationError.organizationNotFound(id)
        }
        return organization
    }

    public func organization(slug: String) async throws -> Organization {
        guard let organization = try await repositories.organizations.find(slug: slug) else {
            throw AdministrationError.organizationNotFound(slug)
        }
        return organization
    }

    public func createUser(organization: Organization, username: String, displayName: String?, email: String? = nil,
                           password: String, isAdmin: Bool = false, isOperator: Bool = false, mfaRequired: Bool = false,
                           mustChangePassword: Bool = false, actor: AuditActor) async throws -> User {
        let normalized = User.normalize(username: username)
        guard User.isValidUsername(normalized) else { throw AdministrationError.invalidUsername(username) }
        try Self.checkPassword(password)
        let email = try UserAdministration.contact(email: email, phone: nil).email
        if try await repositories.users.find(organizationID: organization.id, username: normalized) != nil {
            throw AdministrationError.userExists(normalized)
        }
        var user = User(id: random.identifier(), organizationID: organization.id, username: normalized,
                        displayName: User.cleanDisplayName(displayName) ?? normalized, email: email,
                        passwordHash: try await hasher.hash(password), isAdmin: isAdmin, mfaRequired: mfaRequired,
                        createdAt: clock.now)
        user.isOperator = isOperator
        user.mustChangePassword = mustChangePassword
        let created = user
        try await repositories.atomically { [audit] r in
            do {
                try await r.users.insert(created)
            } catch RepositoryError.conflict {
                throw AdministrationError.userExists(normalized)
            }
            if isOperator { try await r.users.setRoles(userID: created.id, isAdmin: isAdmin, isOperator: true) }
            try await audit.record(.userCreated, organizationID: organization.id, userID: created.id, actor: actor,
                                   detail: .userCreated(username: normalized, admin: isAdmin, operator: isOperator, mfaRequired: mfaRequired), in: r)
        }
        return created
    }

    public func user(organization: Organization, username: String) async throws -> User {
        guard let user = try await repositories.users.find(organizationID: organization.id, username: User.normalize(username: username)) else {
            throw AdministrationError.userNotFound(username)
        }
        return user
    }

    /// A user named by organization slug and username (the command line's way of naming one).
    public func user(slug: String, username: String) async throws -> User {
        try await user(organization: try await organization(slug: slug), username: username)
    }

    /// Sets a user's password, ends all of their sessions (whoever used the old one is signed out) and forgets their
    /// remembered devices.
    public func setPassword(user: User, password: String, actor: AuditActor) async throws {
        try Self.checkPassword(password)
        let hash = try await hasher.hash(password)  // the slow part, before the transaction
        let now = clock.now
        try await repositories.atomically { [audit] r in
            try await r.users.setPassword(userID: user.id, hash: hash, changedAt: now, mustChange: false)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.passwordChanged, organizationID: user.organizationID, userID: user.id, actor: actor, in: r)
            try await RememberedDevices.revokeAll(userID: user.id, organizationID: user.organizationID, reason: "password_changed", actor: actor,
                                                  ip: nil, audit: audit, in: r)
        }
    }

    public func setMFARequired(user: User, _ required: Bool, actor: AuditActor) async throws {
        try await repositories.atomically { [audit] r in
            try await r.users.setMFARequired(userID: user.id, required)
            try await audit.record(.mfaRequirementChanged, organizationID: user.organizationID, userID: user.id, actor: actor,
                                   detail: .mfaRequirement(required: required), in: r)
        }
    }

    /// Makes a user an organization admin and/or an operator (every organization and the spare-token pool), or not.
    public func setRoles(user: User, isAdmin: Bool, isOperator: Bool, actor: AuditActor) async throws {
        try await repositories.atomically { [audit] r in
            try await r.users.setRoles(userID: user.id, isAdmin: isAdmin, isOperator: isOperator)
            try await audit.record(.rolesChanged, organizationID: user.organizationID, userID: user.id, actor: actor,
                                   detail: .roles(admin: isAdmin, operator: isOperator), in: r)
        }
    }

    /// Lifts a lock (also one that reached the escalation cap) and ends the user's sessions, so that whoever caused
    /// the lock does not go on where they were.
    public func unlock(user: User, actor: AuditActor) async throws {
        try await repositories.atomically { [audit] r in
            try await r.users.unlock(userID: user.id)
            try await r.sessions.deleteAll(userID: user.id, stage: nil, exceptToken: nil)
            try await audit.record(.accountUnlocked, organizationID: user.organizationID, userID: user.id, actor: actor, in: r)
        }
    }

    /// The organization `/login` signs in to, created when missing (by `migrate` and on every start).
    @discardableResult
    public func ensureDefaultOrganization() async throws -> Organization {
        if let existing = try await repositories.organizations.find(slug: Organization.defaultSlug) { return existing }
        return try await createOrganization(slug: Organization.defaultSlug, name: "Default organization", actor: .system)
    }

    /// On first start: the default organization, and an initial admin with a generated password when it has no admin
    /// (never a fixed default password). That first admin is also the installation's operator (the spare-token pool,
    /// every organization), so someone can reach everything from the start. Returns the admin's username and password to print once, or nil.
    public func bootstrap() async throws -> (username: String, password: String)? {
        let organization = try await ensureDefaultOrganization()
        let users = try await repositories.users.list(organizationID: organization.id)
        guard !users.contains(where: \.isAdmin) else { return nil }
        var username = "admin"
        var suffix = 1
        while users.contains(where: { $0.username == username }) { suffix += 1; username = "admin\(suffix)" }
        let password = generatePassword()
        _ = try await createUser(organization: organization, username: username, displayName: "Administrator",
                                 password: password, isAdmin: true, isOperator: true, mfaRequired: true, actor: .system)
        return (username, password)
    }

    /// A random password of 20 characters from an unambiguous alphabet (about 100 bits).
    public func generatePassword() -> String {
        let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ")
        return String((0..<20).map { _ in alphabet[Int(random.uniform(UInt32(alphabet.count)))] })
    }
}
