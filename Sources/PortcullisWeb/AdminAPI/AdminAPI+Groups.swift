import Foundation
import PortcullisAdminAPI
import PortcullisApp
import PortcullisCore

/// Groups and their members (SPEC §4.2) through `GroupAdministration`, within the key's scope: another organization's
/// group is not found, and so is another organization's user named as a member.
extension AdminAPI {
    /// The organization's groups by name, paged here (an organization has few).
    func listGroups(_ input: Operations.ListGroups.Input) async throws -> Operations.ListGroups.Output {
        let caller = try caller
        let paging = try AdminAPIPaging(limit: input.query.limit, cursor: input.query.cursor)
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let groups = try await app.groups.list(organizationID: organization.id, scope: caller.scope)
            .sorted { Self.byName($0).lexicographicallyPrecedes(Self.byName($1)) }
        let (page, next) = paging.page(groups, key: Self.byName)
        return .ok(.init(body: .json(.init(items: page.map(Self.groupSchema), next: next))))
    }

    /// Groups are listed by name (any case), then id.
    static func byName(_ group: Group) -> [String] { [group.name.lowercased(), group.id] }

    func createGroup(_ input: Operations.CreateGroup.Input) async throws -> Operations.CreateGroup.Output {
        let caller = try caller
        guard case .json(let new) = input.body else { throw AdminAPIProblem.badRequest() }
        try Self.checkText(new.name, "name", 1...64)
        let organization = try await caller.organization(named: input.query.org, directory: app.directory)
        let group = try await app.groups.create(organizationID: organization.id, name: new.name, mfaRequired: new.requireMFA ?? false,
                                                scope: caller.scope)
        return .created(.init(body: .json(Self.groupSchema(group))))
    }

    func getGroup(_ input: Operations.GetGroup.Input) async throws -> Operations.GetGroup.Output {
        .ok(.init(body: .json(Self.groupSchema(try await visibleGroup(input.path.groupId, try caller)))))
    }

    /// Renames and/or turns the requirement for members on or off.
    func updateGroup(_ input: Operations.UpdateGroup.Input) async throws -> Operations.UpdateGroup.Output {
        let caller = try caller
        guard case .json(let change) = input.body else { throw AdminAPIProblem.badRequest() }
        guard change.name != nil || change.requireMFA != nil else { throw AdminAPIProblem.badParameter("body") }
        try Self.checkText(change.name, "name", 1...64)
        let group = try await visibleGroup(input.path.groupId, caller)
        let updated = try await app.groups.update(group, name: change.name, mfaRequired: change.requireMFA, scope: caller.scope)
        return .ok(.init(body: .json(Self.groupSchema(updated))))
    }

    /// Deletes the group; its members stay.
    func deleteGroup(_ input: Operations.DeleteGroup.Input) async throws -> Operations.DeleteGroup.Output {
        let caller = try caller
        try await app.groups.delete(try await visibleGroup(input.path.groupId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// One page of the members by username, with their MFA status, through the users search filtered by the group.
    func listGroupMembers(_ input: Operations.ListGroupMembers.Input) async throws -> Operations.ListGroupMembers.Output {
        let caller = try caller
        let paging = try AdminAPIPaging(limit: input.query.limit, cursor: input.query.cursor)
        let group = try await visibleGroup(input.path.groupId, caller)
        let query = UserQuery(organizationID: group.organizationID, groupID: group.id, after: paging.afterValue, limit: paging.limit)
        let (users, next) = try await app.users.search(query, scope: caller.scope)
        let items = try await userSchemas(users, organizationID: group.organizationID, caller: caller)
        return .ok(.init(body: .json(.init(items: items, next: next.flatMap { AdminAPIPaging.cursor([$0]) }))))
    }

    /// Adding a member twice is not an error; a user of another organization than the group's is not found.
    func addGroupMember(_ input: Operations.AddGroupMember.Input) async throws -> Operations.AddGroupMember.Output {
        let caller = try caller
        let group = try await visibleGroup(input.path.groupId, caller)
        try await app.groups.addMember(group, user: try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }

    /// Removing one who is not a member is not an error either.
    func removeGroupMember(_ input: Operations.RemoveGroupMember.Input) async throws -> Operations.RemoveGroupMember.Output {
        let caller = try caller
        let group = try await visibleGroup(input.path.groupId, caller)
        try await app.groups.removeMember(group, user: try await visibleUser(input.path.userId, caller), scope: caller.scope)
        return .noContent(.init())
    }
}
