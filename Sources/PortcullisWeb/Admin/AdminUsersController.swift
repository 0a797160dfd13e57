import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The admin's users (SPEC §4.2): the list with search, filters and paging; creating a user; one user's page with its
/// actions. Only translates: every lookup goes through the admin's scope and every change through
/// `UserAdministration`, `AccountAdministration` or `GroupAdministration`, which audit it.
struct AdminUsersController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/users") { request, context in try await list(request, context: context) }
        router.get("/admin/users/new") { _, context in try await newUserPage(context: context) }
        router.post("/admin/users") { _, context in try await create(context: context) }
        router.get("/admin/users/:id") { request, context in
            try await userPage(id: context.parameters.require("id"), confirm: request.uri.queryParameters.get("confirm").map { String($0) },
                               context: context)
        }
        router.post("/admin/users/:id/:action") { _, context in
            try await act(id: context.parameters.require("id"), action: context.parameters.require("action"), context: context)
        }
    }

    // MARK: List

    private func list(_ request: Request, context: AdminContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        func flag(_ name: String) -> Bool? { parameters.get(name).flatMap { $0 == "yes" ? true : $0 == "no" ? false : nil } }
        var query = UserQuery(organizationID: context.organization.id, limit: 50)
        query.text = parameters.get("q").map { String($0) }
        query.mfa = parameters.get("mfa").flatMap { MFAState(rawValue: String($0)) }
        query.locked = flag("locked")
        query.disabled = flag("disabled")
        query.groupID = parameters.get("group").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        query.after = parameters.get("after").map { String($0) }
        let (users, next) = try await app.users.search(query, scope: context.scope)
        let groups = try await app.groups.list(organizationID: context.organization.id, scope: context.scope)
        var nextPage: String?
        if let next {
            var items = request.uri.queryParameters.filter { $0.key != "after" }.map { URLQueryItem(name: String($0.key), value: String($0.value)) }
            items.append(URLQueryItem(name: "after", value: next))
            var components = URLComponents()
            components.queryItems = items
            nextPage = "/admin/users?" + (components.percentEncodedQuery ?? "")
        }
        func yesNo(_ value: Bool?, yes: String, no: String) -> [OptionView] {
            [OptionView(value: "", label: "Any", selected: value == nil), OptionView(value: "yes", label: yes, selected: value == true),
             OptionView(value: "no", label: no, selected: value == false)]
        }
        let page = AdminUsersPage(
            nav: try await AdminArea.nav(.users, context: context, app: app), text: query.text ?? "",
            mfaOptions: [OptionView(value: "", label: "Any", selected: query.mfa == nil)]
                + [MFAState.none, .pending, .enabled].map { OptionView(value: $0.rawValue, label: $0.label, selected: query.mfa == $0) },
            lockedOptions: yesNo(query.locked, yes: "Locked", no: "Not locked"),
            disabledOptions: yesNo(query.disabled, yes: "Disabled", no: "Enabled"),
            groupOptions: [OptionView(value: "", label: "Any", selected: query.groupID == nil)]
                + groups.map { OptionView(value: $0.id, label: $0.name, selected: query.groupID == $0.id) },
            users: users.map { AdminUserRow($0, context: context, now: app.clock.now) }, hasUsers: !users.isEmpty, nextPage: nextPage)
        return web.pages.render(page, context: context)
    }

    // MARK: Create

    private func newUserPage(context: AdminContext, values: [String: String] = [:], notice: Notice? = nil,
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        let page = AdminNewUserPage(nav: try await AdminArea.nav(.users, context: context, app: app), values: values,
                                    requireMFA: values["mfa"] == "yes", generatePassword: values["password_mode"] != "typed",
                                    canMakeOperator: context.user.isOperator, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    private func create(context: AdminContext) async throws -> Response {
        let form = context.form
        let values = ["username": form.text("username"), "display_name": form.text("display_name"), "email": form.text("email"),
                      "mfa": form.text("mfa"), "password_mode": form.text("password_mode")]
        let generated = form.text("password_mode") != "typed"
        let password = generated ? app.administration.generatePassword() : (form["password"] ?? "")
        do {
            let user = try await app.administration.createUser(
                organization: context.organization, username: form.text("username"), displayName: form.text("display_name"),
                email: form.text("email").isEmpty ? nil : form.text("email").lowercased(), password: password,
                isAdmin: form["admin"] == "1", isOperator: form["operator"] == "1" && context.user.isOperator,
                mfaRequired: form.text("mfa") == "yes", mustChangePassword: generated, actor: context.scope.actor)
            var flash = Flash(.admin(.userCreated(user.username)))
            if generated { flash.temporaryPassword = password }
            return try await web.redirect("/admin/users/\(user.id)", flash: flash, context: context)
        } catch let error as any DomainError {
            return try await newUserPage(context: context, values: values, notice: .problem(error), status: .unprocessableContent)
        }
    }

    // MARK: One user

    private func userPage(id: String, confirm: String?, context: AdminContext) async throws -> Response {
        let user = try await app.users.user(id: id, scope: context.scope)
        let status = try await app.users.status(of: user)
        let now = app.clock.now
        let factors = try await app.factors.list(userID: user.id).filter(\.confirmed)
        let groups = try await app.groups.groups(of: user)
        let devices = try await app.rememberedDevices.list(of: user, scope: context.scope).map { AdminDeviceRow($0, context: context) }
        let all = try await app.groups.list(organizationID: user.organizationID, scope: context.scope)
        let others = all.filter { g in !groups.contains { $0.id == g.id } }
        let chip = { (group: Group) in AdminGroupChip(id: group.id, name: group.name, requiresMFA: group.mfaRequired) }
        let name = user.displayName
        let confirmation: AdminConfirmation? = switch confirm {
        case "require-mfa": AdminConfirmation(action: "require-mfa", question: "\(name) will be required to set up two-factor authentication at their next sign-in.",
                                              button: "Require two-factor", danger: false, factorID: nil)
        case "no-mfa": AdminConfirmation(action: "no-mfa", question: "\(name) will no longer be required to use two-factor authentication (a group or the policy may still require it).",
                                         button: "Don't require two-factor", danger: true, factorID: nil)
        case "remove-all-factors": AdminConfirmation(action: "remove-all-factors", question: "Remove every sign-in method of \(name) (for a lost phone)? Their hardware tokens go back to the inventory.",
                                                     button: "Remove all methods", danger: true, factorID: nil)
        case "delete": AdminConfirmation(action: "delete", question: "Delete \(name)? Their methods and sessions go; the audit log keeps their history.",
                                         button: "Delete user", danger: true, factorID: nil)
        default: nil
        }
        let page = AdminUserPage(
            title: name, nav: try await AdminArea.nav(.users, context: context, app: app), id: user.id, username: user.username,
            displayName: user.displayName, email: user.email ?? "", phone: user.phone ?? "", mfaStatus: status.state.label,
            mfaClass: "status-" + status.state.rawValue, requiredBy: status.requirement.source, requiredByUser: user.mfaRequired,
            factors: factors.map { AdminFactorRow(id: $0.id, type: app.methods[$0.type]?.displayName ?? $0.type.rawValue,
                                                  label: web.presenters.maskedLabel($0), added: context.local($0.createdAt),
                                                  lastUsed: $0.lastUsedAt.map(context.local) ?? "Never") },
            hasFactors: !factors.isEmpty,
            devices: devices, deviceCount: devices.count == 1 ? "1 remembered device" : "\(devices.count) remembered devices",
            hasDevices: !devices.isEmpty, groups: groups.map(chip),
            otherGroups: others.map(chip), hasOtherGroups: !others.isEmpty,
            locked: user.isLocked(at: now), lockUntil: user.lockNeedsAdmin ? "until an administrator unlocks it" : user.lockedUntil.map { "until " + context.local($0) } ?? "",
            disabled: user.disabled, failedPasswords: user.failedPasswordAttempts, failedFactors: user.failedFactorAttempts,
            lastSignIn: user.lastSignInAt.map(context.local) ?? "Never", created: context.local(user.createdAt),
            mustChangePassword: user.mustChangePassword, isAdmin: user.isAdmin, isOperator: user.isOperator,
            canMakeOperator: context.user.isOperator, isSelf: user.id == context.user.id, confirmation: confirmation,
            temporaryPassword: context.flash?.temporaryPassword)
        return web.pages.render(page, context: context)
    }

    private func act(id: String, action: String, context: AdminContext) async throws -> Response {
        let user = try await app.users.user(id: id, scope: context.scope)
        let scope = context.scope
        let form = context.form
        let here = "/admin/users/\(user.id)"
        func done(_ notice: AdminNotice, to location: String? = nil, temporaryPassword: String? = nil) async throws -> Response {
            var flash = Flash(.admin(notice))
            flash.temporaryPassword = temporaryPassword
            return try await web.redirect(location ?? here, flash: flash, context: context)
        }
        do {
            switch action {
            case "profile":
                _ = try await app.users.update(user, displayName: form.text("display_name"), email: form.text("email"), phone: form.text("phone"), scope: scope)
                return try await done(.userUpdated)
            case "require-mfa", "no-mfa":
                let required = action == "require-mfa"
                try await app.administration.setMFARequired(user: user, required, actor: scope.actor)
                let state = try await app.users.status(of: try await app.users.user(id: id, scope: scope)).state
                return try await done(required ? .mfaRequired(user.displayName, pending: state == .pending) : .mfaNotRequired(user.displayName))
            case "disable", "enable":
                try await app.users.setDisabled(user, action == "disable", scope: scope)
                return try await done(action == "disable" ? .userDisabled : .userEnabled)
            case "delete":
                try await app.users.delete(user, scope: scope)
                return try await done(.userDeleted(user.username), to: "/admin/users")
            case "unlock":
                try await app.users.unlock(user, scope: scope)
                return try await done(.unlocked)
            case "lock":
                try await app.users.lock(user, scope: scope)
                return try await done(.locked)
            case "forget-devices":
                let count = try await app.rememberedDevices.forgetAll(of: user, scope: scope)
                return try await done(.devicesForgotten(user.displayName, count: count))
            case "end-sessions":
                try await app.users.endSessions(user, scope: scope)
                return try await done(.sessionsEnded(user.displayName))
            case "temporary-password":
                let typed = form["password"].flatMap { $0.isEmpty ? nil : $0 }
                let password = try await app.users.setTemporaryPassword(user, password: typed, scope: scope)
                return try await done(.temporaryPasswordSet, temporaryPassword: typed == nil ? password : nil)
            case "remove-factor":
                guard try await app.users.removeFactor(user, factorID: form.text("factor_id"), scope: scope) else { throw PageError.notFound }
                return try await done(.factorRemoved)
            case "remove-all-factors":
                try await app.users.removeAllFactors(user, scope: scope)
                let state = try await app.users.status(of: user).state
                return try await done(.allFactorsRemoved(user.displayName, pending: state == .pending))
            case "roles":
                guard user.id != context.user.id else { throw UserAdministration.UserAdministrationError.ownAccount }
                let makeOperator = context.user.isOperator ? form["operator"] == "1" : user.isOperator
                try await app.administration.setRoles(user: user, isAdmin: form["admin"] == "1", isOperator: makeOperator, actor: scope.actor)
                return try await done(.rolesChanged)
            case "add-group", "remove-group":
                let group = try await app.groups.group(id: form.text("group_id"), scope: scope)
                if action == "add-group" {
                    try await app.groups.addMember(group, user: user, scope: scope)
                    return try await done(.addedToGroup(group.name))
                }
                try await app.groups.removeMember(group, user: user, scope: scope)
                return try await done(.removedFromGroup(group.name))
            default:
                throw PageError.notFound
            }
        } catch let error as any DomainError where error.kind != .notFound {
            return try await web.redirect(here, flash: Flash(.problem(error)), context: context)
        }
    }
}
