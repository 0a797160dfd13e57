import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The API keys page (SPEC §4.5, §7): the organization's verification and admin API keys with their last use, a new
/// key shown once, and revoking one. Operators also see and make operator-wide admin keys. Through `APIKeys`, which
/// stores only each secret's hash and audits every change.
struct AdminAPIKeysController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/api-keys") { _, context in try await page(context: context) }
        router.post("/admin/api-keys") { _, context in try await create(context: context) }
        router.post("/admin/api-keys/:id/revoke") { _, context in try await revoke(id: context.parameters.require("id"), context: context) }
    }

    private func page(context: AdminContext) async throws -> Response {
        var keys = try await app.apiKeys.list(organization: context.organization)
        if context.user.isOperator { keys += try await app.apiKeys.list(organization: nil) }
        let rows = keys.map { key in
            AdminAPIKeysPage.Row(id: key.id, name: key.name, scope: key.isOperatorWide ? "Admin API, every organization" : key.scope == .admin ? "Admin API" : "Verification API",
                                 created: context.local(key.createdAt), lastUsed: key.lastUsedAt.map(context.local) ?? "Never",
                                 revoked: key.revokedAt.map(context.local))
        }
        let page = AdminAPIKeysPage(nav: try await AdminArea.nav(.apiKeys, context: context, app: app), keys: rows, hasKeys: !rows.isEmpty,
                                    isOperator: context.user.isOperator, newKey: context.flash?.temporaryPassword)
        return web.pages.render(page, context: context)
    }

    private func create(context: AdminContext) async throws -> Response {
        let name = context.form.text("name").isEmpty ? "API key" : context.form.text("name")
        let actor = context.scope.actor
        let secret: String
        switch context.form.text("scope") {
        case "admin": secret = try await app.apiKeys.createAdminKey(organization: context.organization, name: name, actor: actor).secret
        case "operator":
            guard context.user.isOperator else {
                throw PageError.page(.forbidden, title: "Operators only", message: "Only an operator can make a key for every organization.")
            }
            secret = try await app.apiKeys.createAdminKey(organization: nil, name: name, actor: actor).secret
        default: secret = try await app.apiKeys.create(organization: context.organization, name: name, actor: actor).secret
        }
        // The secret travels sealed in the session's flash to the next page, shown once.
        var flash = Flash(.admin(.apiKeyCreated(name)))
        flash.temporaryPassword = secret
        return try await web.redirect("/admin/api-keys", flash: flash, context: context)
    }

    private func revoke(id: String, context: AdminContext) async throws -> Response {
        let own = try await app.apiKeys.revoke(id: id, organization: context.organization, actor: context.scope.actor)
        let operatorWide = !own && context.user.isOperator ? try await app.apiKeys.revoke(id: id, organization: nil, actor: context.scope.actor) : false
        guard own || operatorWide else { throw PageError.notFound }
        return try await web.redirect("/admin/api-keys", flash: Flash(.admin(.apiKeyRevoked)), context: context)
    }
}
