import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisTokenImport

/// The hardware token inventory (SPEC §4.3). Organization admins manage their
/// organization's tokens; operators also manage the spare pool and may lend its tokens to anyone.
struct AdminTokensController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin/tokens") { request, context in
            try await listPage(context: context, notice: Notice.tokenListPage(request.uri.queryParameters.get("notice").map { String($0) }))
        }
        router.post("/admin/tokens/import") { _, context in try await importTokens(context: context) }
        router.get("/admin/tokens/:id") { request, context in
            try await tokenPage(id: context.parameters.require("id"), context: context,
                                notice: Notice.find(request.uri.queryParameters.get("notice").map { String($0) }, among: Notice.tokenPage))
        }
        router.post("/admin/tokens/:id/:action") { _, context in
            try await tokenAction(id: context.parameters.require("id"), action: context.parameters.require("action"), context: context)
        }
    }

    private func listPage(context: AdminContext, notice: Notice?, problems: [String] = [],
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let admin = context.user
        let listed = try await app.inventory.tokens(organizationID: context.organization.id, includingSpares: admin.isOperator)
        let page = AdminTokensPage(nav: try await AdminArea.nav(.tokens, context: context, app: app), tokens: listed.map { HardwareTokenView($0.token, holder: $0.holder) }, isOperator: admin.isOperator,
                                   problems: problems, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    private func importTokens(context: AdminContext) async throws -> Response {
        let admin = context.user
        let text = context.form["seed_file"] ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await listPage(context: context, notice: .seedFileMissing, status: .badRequest)
        }
        let format = context.form.text("format")
        let parsed: Result<[ImportedToken], TokenImportFailure>
        if format == "pskc" {
            let pskHex = context.form.text("psk").replacingOccurrences(of: " ", with: "")
            var psk: [UInt8]?
            if !pskHex.isEmpty {
                guard let bytes = Hex.decode(pskHex) else {
                    return try await listPage(context: context, notice: .preSharedKeyNotHex, status: .badRequest)
                }
                psk = bytes
            }
            parsed = TokenImport.parsePSKC(Data(text.utf8), preSharedKey: psk)
        } else {
            parsed = TokenImport.parseCSV(text)
        }
        let toPool = context.form.text("target") == "pool" && admin.isOperator
        do {
            let tokens = try await app.inventory.importTokens(parsed, organizationID: toPool ? nil : context.organization.id,
                                                              actor: .admin(admin.id), source: format == "pskc" ? "pskc" : "csv")
            return .seeOther("/admin/tokens", notice: .imported(count: tokens.count))
        } catch TokenInventory.InventoryError.importFailed(let problems) {
            return try await listPage(context: context, notice: .nothingImported,
                                      problems: problems.map(\.description), status: .unprocessableContent)
        } catch let error as TokenInventory.InventoryError {
            return try await listPage(context: context, notice: .problem(error), status: .unprocessableContent)
        }
    }

    private func managedToken(_ id: String, context: AdminContext) async throws -> HardwareToken {
        guard let token = try await app.inventory.token(id: id), context.canManage(token) else { throw PageError.notFound }
        return token
    }

    private func tokenPage(id: String, context: AdminContext, notice: Notice?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let admin = context.user
        let token = try await managedToken(id, context: context)
        var holder: User?
        if let userID = token.userID { holder = try await app.directory.user(id: userID) }
        // A typed due time is read in the user's organization's time zone (named here for the admin's own).
        let page = AdminTokenPage(nav: try await AdminArea.nav(.tokens, context: context, app: app),
                                  token: HardwareTokenView(token, holder: holder), isOperator: admin.isOperator,
                                  zone: context.organization.policy.timeZone, notice: notice)
        return web.pages.render(page, context: context, status: status)
    }

    private func tokenAction(id: String, action: String, context: AdminContext) async throws -> Response {
        let admin = context.user
        let token = try await managedToken(id, context: context)
        func fail(_ notice: Notice) async throws -> Response {
            try await tokenPage(id: id, context: context, notice: notice, status: .unprocessableContent)
        }
        do {
            switch action {
            case "assign", "lend":
                let slug = context.form.text("org")
                let organization: Organization
                if admin.isOperator, !slug.isEmpty {
                    guard let found = try await app.directory.organization(slug: slug) else { return try await fail(.noOrganization(slug: slug)) }
                    organization = found
                } else {
                    organization = context.organization
                }
                guard let user = try await app.directory.user(organizationID: organization.id, username: context.form.text("username")) else {
                    return try await fail(.noUser(username: context.form.text("username"), organization: organization.name))
                }
                var until: Date?
                if action == "lend" {
                    let typed = context.form.text("until")
                    if typed.isEmpty {
                        until = TokenInventory.endOfDay(app.clock.now, in: organization.policy.zone)
                    } else {
                        guard let parsed = Self.parseLocal(typed, zone: organization.policy.zone), parsed > app.clock.now else {
                            return try await fail(.dueTimeNotInFuture)
                        }
                        until = parsed
                    }
                }
                try await app.inventory.assign(token, to: user, until: until, actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)", notice: action == "lend" ? .tokenLent : .tokenAssigned)
            case "unassign":
                try await app.inventory.unassign(token, actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)", notice: .tokenReturned)
            case "resync":
                guard try await app.inventory.resync(token, first: context.form.text("code1"), second: context.form.text("code2"), actor: .admin(admin.id)) else {
                    return try await fail(.tokenCodesMismatch)
                }
                return .seeOther("/admin/tokens/\(id)", notice: .tokenResynced)
            case "disable", "enable":
                try await app.inventory.setDisabled(token, action == "disable", actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)", notice: action == "disable" ? .tokenDisabled : .tokenEnabled)
            default:
                throw PageError.notFound
            }
        } catch let error as TokenInventory.InventoryError {
            return try await fail(.problem(error))
        }
    }

    /// `yyyy-MM-ddTHH:mm` from a datetime-local field, in the organization's time zone.
    static func parseLocal(_ text: String, zone: TimeZone) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
