import Foundation
import PortcullisCrypto

/// Groups of users (SPEC §4.2): create, rename, delete, require two-factor for the members, add and remove members.
/// Found through an `AdminScope` like users; each change commits with its audit event.
public struct GroupAdministration: Sendable {
    let repositories: Repositories
    let clock: any WallClock
    let random: any RandomSource
    let audit: AuditLog

    public init(repositories: Repositories, clock: any WallClock, random: any RandomSource, audit: AuditLog) {
        self.repositories = repositories
        self.clock = clock
        self.random = random
        self.audit = audit
    }

    /// Why a group action was refused.
    public enum GroupError: DomainError, Equatable {
        case notFound
        case invalidName
        case nameTaken(String)
        /// The user belongs to another organization than the group.
        case otherOrganization

        public var code: String {
            switch self {
            case .notFound: "group.not_found"
            case .invalidName: "group.invalid_name"
            case .nameTaken: "group.name_taken"
            case .otherOrganization: "group.other_organization"
            }
        }

        public var kind: ErrorKind {
            switch self {
            case .notFound, .otherOrganization: .notFound
            case .invalidName: .invalid
            case .nameTaken: .conflict
            }
        }

        public var arguments: [String: String] {
            if case .nameTaken(let name) = self { return ["name": name] }
            return [:]
        }
    }

    public func list(organizationID: String, scope: AdminScope) async throws -> [Group] {
        guard scope.covers(organizationID) else { return [] }
        return try await repositories.groups.list(organizationID: organizationID)
    }

    public func group(id: String, scope: AdminScope) async throws -> Group {
        guard let group = try await repositories.groups.find(id: id), scope.covers(group.organizationID) else { throw GroupError.notFound }
        return group
    }

    /// A group of the organization by name (any case).
    public func group(named name: String, organizationID: String, scope: AdminScope) async throws -> Group {
        let key = name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let group = try await list(organizationID: organizationID, scope: scope).first(where: { $0.name.lowercased() == key }) else {
            throw GroupError.notFound
        }
        return group
    }

    public func create(organizationID: String, name: String, mfaRequired: Bool, scope: AdminScope) async throws -> Group {
        guard scope.covers(organizationID) else { throw GroupError.notFound }
        guard let name = Group.cleanName(name) else { throw GroupError.invalidName }
        let group = Group(id: random.identifier(), organizationID: organizationID, name: name, mfaRequired: mfaRequired, createdAt: clock.now)
        try await repositories.atomically { [audit] r in
            do {
                try await r.groups.insert(group)
            } catch RepositoryError.conflict {
                throw GroupError.nameTaken(name)
            }
            try await audit.record(.groupCreated, organizationID: organizationID, userID: nil, actor: scope.actor,
                                   detail: .group(id: group.id, name: name, mfaRequired: mfaRequired), in: r)
        }
        return group
    }

    /// Renames a group and/or changes whether it requires two-factor of its members.
    public func update(_ group: Group, name: String? = nil, mfaRequired: Bool? = nil, scope: AdminScope) async throws -> Group {
        var updated = group
        if let name {
            guard let clean = Group.cleanName(name) else { throw GroupError.invalidName }
            updated.name = clean
        }
        if let mfaRequired { updated.mfaRequired = mfaRequired }
        guard updated != group else { return group }
        let result = updated
        try await repositories.atomically { [audit] r in
            do {
                try await r.groups.update(result)
            } catch RepositoryError.conflict {
                throw GroupError.nameTaken(result.name)
            } catch RepositoryError.notFound {
                throw GroupError.notFound
            }
            try await audit.record(.groupUpdated, organizationID: group.organizationID, userID: nil, actor: scope.actor,
                                   detail: .group(id: group.id, name: result.name, mfaRequired: result.mfaRequired), in: r)
        }
        return result
    }

    public func delete(_ group: Group, scope: AdminScope) async throws {
        try await repositories.atomically { [audit] r in
            try await r.groups.delete(id: group.id)
            try await audit.record(.groupDeleted, organizationID: group.organizationID, userID: nil, actor: scope.actor,
                                   detail: .group(id: group.id, name: group.name), in: r)
        }
    }

    /// Adds a user of the group's organization; false when they already were a member.
    @discardableResult
    public func addMember(_ group: Group, user: User, scope: AdminScope) async throws -> Bool {
        guard user.organizationID == group.organizationID else { throw GroupError.otherOrganization }
        return try await repositories.atomically { [audit] r in
            guard try await r.groups.addMember(groupID: group.id, userID: user.id) else { return false }
            try await audit.record(.groupMemberAdded, organizationID: group.organizationID, userID: user.id, actor: scope.actor,
                                   detail: .group(id: group.id, name: group.name), in: r)
            return true
        }
    }

    @discardableResult
    public func removeMember(_ group: Group, user: User, scope: AdminScope) async throws -> Bool {
        guard user.organizationID == group.organizationID else { throw GroupError.otherOrganization }
        return try await repositories.atomically { [audit] r in
            guard try await r.groups.removeMember(groupID: group.id, userID: user.id) else { return false }
            try await audit.record(.groupMemberRemoved, organizationID: group.organizationID, userID: user.id, actor: scope.actor,
                                   detail: .group(id: group.id, name: group.name), in: r)
            return true
        }
    }

    public func members(of group: Group) async throws -> [User] {
        try await repositories.groups.members(groupID: group.id)
    }

    public func groups(of user: User) async throws -> [Group] {
        try await repositories.groups.groups(userID: user.id)
    }
}
