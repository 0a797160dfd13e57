import PortcullisAdminAPI

/// Groups and their members (SPEC §4.2): not built in the domain yet, so every operation answers 501
/// (`api.not_implemented`) until the groups service lands.
extension AdminAPI {
    func listGroups(_ input: Operations.ListGroups.Input) async throws -> Operations.ListGroups.Output {
        throw AdminAPIProblem.notImplemented("listGroups")
    }

    func createGroup(_ input: Operations.CreateGroup.Input) async throws -> Operations.CreateGroup.Output {
        throw AdminAPIProblem.notImplemented("createGroup")
    }

    func getGroup(_ input: Operations.GetGroup.Input) async throws -> Operations.GetGroup.Output {
        throw AdminAPIProblem.notImplemented("getGroup")
    }

    func updateGroup(_ input: Operations.UpdateGroup.Input) async throws -> Operations.UpdateGroup.Output {
        throw AdminAPIProblem.notImplemented("updateGroup")
    }

    func deleteGroup(_ input: Operations.DeleteGroup.Input) async throws -> Operations.DeleteGroup.Output {
        throw AdminAPIProblem.notImplemented("deleteGroup")
    }

    func listGroupMembers(_ input: Operations.ListGroupMembers.Input) async throws -> Operations.ListGroupMembers.Output {
        throw AdminAPIProblem.notImplemented("listGroupMembers")
    }

    func addGroupMember(_ input: Operations.AddGroupMember.Input) async throws -> Operations.AddGroupMember.Output {
        throw AdminAPIProblem.notImplemented("addGroupMember")
    }

    func removeGroupMember(_ input: Operations.RemoveGroupMember.Input) async throws -> Operations.RemoveGroupMember.Output {
        throw AdminAPIProblem.notImplemented("removeGroupMember")
    }
}
