import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The admin's groups (SPEC §4.2): the list and a new group; one group's page to rename it, require two-factor of its
/// members, add and remove members, and delete it. Changes go through `GroupAdministration`.
struct AdminGroupsController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/groups") { _, context in try await list(context: context) }
        router.post("/admin/groups") { _, context in try await create(context: context) }
        router.get("/admin/groups/:id") { request, context in
            try await groupPage(id: context.parameters.require("id"), confirmDelete: request.uri.queryParameters.get("confirm") == "delete",
                                context: context)
        }
        router.post("/admin/groups/:id/:action") { _, context in
            try await act(id: context.parameters.require("id"), action: context.parameters.require("action"), context: context)
        }
    }

    private func list(context: AdminContext) async throws -> Response {
        let groups = try await app.groups.list(organizationID: context.organization.id, scope: context.scope)
        let page = AdminGroupsPage(nav: try await AdminArea.nav(.groups, context: context, app: app),
                                   groups: groups.map { AdminGroupRow(id: $0.id, name: $0.name, requiresMFA: $0.mfaRequired, members: $0.memberCount) },
                                   hasGroups: !groups.isEmpty)
        return web.pages.render(page, context: context)
    }

    private func create(context: AdminContext) async throws -> Response {
        do {
            let group = try await app.groups.create(organizationID: context.organization.id, name: context.form.text("name"),
                                                    mfaRequired: context.form["mfa"] == "1", scope: context.scope)
            return try await web.redirect("/admin/groups/\(group.id)", flash: Flash(.admin(.groupCreated(group.name))), context: context)
        } catch let error as GroupAdministration.GroupError {
            return try await web.redirect("/admin/groups", flash: Flash(.problem(error)), context: context)
        }
    }

    private func groupPage(id: String, confirmDelete: Bool, context: AdminContext) async throws -> Response {
        let group = try await app.groups.group(id: id, scope: context.scope)
        let members = try await app.groups.members(of: group)
        let page = AdminGroupPage(title: group.name, nav: try await AdminArea.nav(.groups, context: context, app: app), id: group.id,
                                  name: group.name, requiresMFA: group.mfaRequired,
                                  members: members.map { AdminMemberRow(id: $0.id, username: $0.username, displayName: $0.displayName) },
                                  hasMembers: !members.isEmpty, confirmDelete: confirmDelete)
        return web.pages.render(page, context: context)
    }

    private func act(id: String, action: String, context: AdminContext) async throws -> Response {
        let group = try await app.groups.group(id: id, scope: context.scope)
        let scope = context.scope
        let here = "/admin/groups/\(group.id)"
        do {
            switch action {
            case "save":
                _ = try await app.groups.update(group, name: context.form.text("name"), mfaRequired: context.form["mfa"] == "1", scope: scope)
                return try await web.redirect(here, flash: Flash(.admin(.groupSaved)), context: context)
            case "delete":
                try await app.groups.delete(group, scope: scope)
                return try await web.redirect("/admin/groups", flash: Flash(.admin(.groupDeleted(group.name))), context: context)
            case "add-member":
                guard let user = try await app.directory.user(organizationID: group.organizationID, username: context.form.text("username")) else {
                    return try await web.redirect(here, flash: Flash(.noUser(username: context.form.text("username"), organization: context.organization.name)),
                                                  context: context)
                }
                try await app.groups.addMember(group, user: user, scope: scope)
                return try await web.redirect(here, flash: Flash(.admin(.addedToGroup(group.name))), context: context)
            case "remove-member":
                let user = try await app.users.user(id: context.form.text("user_id"), scope: scope)
                try await app.groups.removeMember(group, user: user, scope: scope)
                return try await web.redirect(here, flash: Flash(.admin(.removedFromGroup(group.name))), context: context)
            default:
                throw PageError.notFound
            }
        } catch let error as any DomainError where error.kind != .notFound {
            return try await web.redirect(here, flash: Flash(.problem(error)), context: context)
        }
    }
}
