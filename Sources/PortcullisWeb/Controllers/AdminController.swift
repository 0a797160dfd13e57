import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore
import PortcullisCrypto
import PortcullisTokenImport

/// The admin area's first pages: the hardware token inventory (SPEC §4.3). Organization admins manage their
/// organization's tokens; operators also manage the spare pool and may lend its tokens to anyone.
struct AdminController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin") { _, context in
            return Response.seeOther("/admin/tokens")
        }
        router.get("/admin/tokens") { request, context in
            try await listPage(context: context, notice: request.uri.queryParameters.get("notice").map { String($0) })
        }
        router.post("/admin/tokens/import") { _, context in try await importTokens(context: context) }
        router.get("/admin/tokens/:id") { request, context in
            try await tokenPage(id: context.parameters.require("id"), context: context,
                                notice: request.uri.queryParameters.get("notice").map { String($0) })
        }
        router.post("/admin/tokens/:id/:action") { _, context in
            try await tokenAction(id: context.parameters.require("id"), action: context.parameters.require("action"), context: context)
        }
    }

    /// A signed-in organization admin or operator, or a refusal.
    private func tokenView(_ token: HardwareToken, holders: [String: User]) -> [String: Any] {
        var view: [String: Any] = ["id": token.id, "serial": token.serial, "state": token.state.rawValue,
                                   "pool": token.organizationID == nil, "digits": token.digits, "algorithm": token.algorithm.rawValue, "counter": token.counter,
                                   "lastUsedAt": token.lastUsedAt.map(Factor.format) ?? "never",
                                   "unassigned": token.state == .unassigned, "held": token.state == .assigned || token.state == .lent,
                                   "disabled": token.state == .disabled]
        if let userID = token.userID, let holder = holders[userID] { view["holder"] = holder.username }
        if let until = token.lentUntil { view["lentUntil"] = Factor.format(until) }
        return view
    }

    private func listPage(context: AdminContext, notice: String?, error: String? = nil, problems: [String] = [],
                          status: HTTPResponse.Status = .ok) async throws -> Response {
        let admin = context.user
        let listed = try await app.inventory.tokens(organizationID: admin.organizationID, includingSpares: admin.isOperator)
        let tokens = listed.map(\.token)
        var holders: [String: User] = [:]
        for (_, holder) in listed { if let holder { holders[holder.id] = holder } }
        var data: [String: Any] = [
            "title": "Hardware tokens", "tokens": tokens.map { tokenView($0, holders: holders) }, "hasTokens": !tokens.isEmpty,
            "isOperator": admin.isOperator, "problems": problems, "hasProblems": !problems.isEmpty,
        ]
        data["notice"] = notice.map { "Imported \($0) token\($0 == "1" ? "" : "s")." }
        data["error"] = error
        return web.pages.render("admin-tokens", data, context: context, status: status)
    }

    private func importTokens(context: AdminContext) async throws -> Response {
        let admin = context.user
        let text = context.form["seed_file"] ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return try await listPage(context: context, notice: nil, error: "Paste the contents of the vendor's seed file.", status: .badRequest)
        }
        let format = context.form.text("format")
        let parsed: Result<[ImportedToken], TokenImportFailure>
        if format == "pskc" {
            let pskHex = context.form.text("psk").replacingOccurrences(of: " ", with: "")
            var psk: [UInt8]?
            if !pskHex.isEmpty {
                guard let bytes = Hex.decode(pskHex) else {
                    return try await listPage(context: context, notice: nil, error: "The pre-shared key must be hexadecimal.", status: .badRequest)
                }
                psk = bytes
            }
            parsed = TokenImport.parsePSKC(Data(text.utf8), preSharedKey: psk)
        } else {
            parsed = TokenImport.parseCSV(text)
        }
        let toPool = context.form.text("target") == "pool" && admin.isOperator
        do {
            let tokens = try await app.inventory.importTokens(parsed, organizationID: toPool ? nil : admin.organizationID,
                                                              actor: .admin(admin.id), source: format == "pskc" ? "pskc" : "csv")
            return .seeOther("/admin/tokens?notice=\(tokens.count)")
        } catch TokenInventory.InventoryError.importFailed(let problems) {
            return try await listPage(context: context, notice: nil, error: "Nothing was imported: fix these and try again.",
                                      problems: problems.map(\.description), status: .unprocessableContent)
        } catch let error as TokenInventory.InventoryError {
            return try await listPage(context: context, notice: nil, error: error.description, status: .unprocessableContent)
        }
    }

    private func managedToken(_ id: String, context: AdminContext) async throws -> HardwareToken {
        guard let token = try await app.inventory.token(id: id), context.canManage(token) else { throw PageError.notFound }
        return token
    }

    private func tokenPage(id: String, context: AdminContext, notice: String?, error: String? = nil,
                           status: HTTPResponse.Status = .ok) async throws -> Response {
        let admin = context.user
        let token = try await managedToken(id, context: context)
        var holders: [String: User] = [:]
        if let userID = token.userID { holders[userID] = try await app.directory.user(id: userID) }
        // A typed due time is read in the user's organization's time zone (named here for the admin's own).
        var data: [String: Any] = ["title": "Token \(token.serial)", "token": tokenView(token, holders: holders),
                                   "isOperator": admin.isOperator, "zone": try await web.organization(of: admin).settings.timeZone]
        let notices = ["assigned": "Assigned.", "lent": "Lent.", "unassigned": "Returned to the inventory.", "resynced": "Resynchronized.",
                       "disabled": "Disabled.", "enabled": "Back in the inventory."]
        data["notice"] = notice.flatMap { notices[$0] }
        data["error"] = error
        return web.pages.render("admin-token", data, context: context, status: status)
    }

    private func tokenAction(id: String, action: String, context: AdminContext) async throws -> Response {
        let admin = context.user
        let token = try await managedToken(id, context: context)
        func fail(_ message: String) async throws -> Response {
            try await tokenPage(id: id, context: context, notice: nil, error: message, status: .unprocessableContent)
        }
        do {
            switch action {
            case "assign", "lend":
                let slug = context.form.text("org")
                let organization: Organization
                if admin.isOperator, !slug.isEmpty {
                    guard let found = try await app.directory.organization(slug: slug) else { return try await fail("No organization \(slug).") }
                    organization = found
                } else {
                    guard let own = try await app.directory.organization(id: admin.organizationID) else { throw PageError.notFound }
                    organization = own
                }
                guard let user = try await app.directory.user(organizationID: organization.id, username: context.form.text("username")) else {
                    return try await fail("No user \(context.form.text("username")) in \(organization.name).")
                }
                var until: Date?
                if action == "lend" {
                    let typed = context.form.text("until")
                    if typed.isEmpty {
                        until = TokenInventory.endOfDay(app.clock.now, in: organization.settings.zone)
                    } else {
                        guard let parsed = Self.parseLocal(typed, zone: organization.settings.zone), parsed > app.clock.now else {
                            return try await fail("Give a time in the future.")
                        }
                        until = parsed
                    }
                }
                try await app.inventory.assign(token, to: user, until: until, actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)?notice=\(action == "lend" ? "lent" : "assigned")")
            case "unassign":
                try await app.inventory.unassign(token, actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)?notice=unassigned")
            case "resync":
                guard try await app.inventory.resync(token, first: context.form.text("code1"), second: context.form.text("code2"), actor: .admin(admin.id)) else {
                    return try await fail("Those codes did not match the token. Press the button twice and enter both codes, in order.")
                }
                return .seeOther("/admin/tokens/\(id)?notice=resynced")
            case "disable", "enable":
                try await app.inventory.setDisabled(token, action == "disable", actor: .admin(admin.id))
                return .seeOther("/admin/tokens/\(id)?notice=\(action)d")
            default:
                throw PageError.notFound
            }
        } catch let error as TokenInventory.InventoryError {
            return try await fail(error.description)
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
