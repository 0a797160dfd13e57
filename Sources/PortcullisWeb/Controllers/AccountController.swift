import Hummingbird
import PortcullisApp
import PortcullisCore

/// The portal (SPEC §6) and the user's own settings (SPEC §5): factors, default, backup codes.
struct AccountController {
    let web: WebContext
    var app: Portcullis { web.app }

    /// A recommendation shown to users with fewer factors (SPEC §4.1 default: 2).
    static let recommendedFactorCount = 2

    func register(on router: some RouterMethods<SignedInContext>) {
        router.get("/portal") { _, context in try await portal(context: context) }
        router.get("/settings") { request, context in
            try await settings(notice: request.uri.queryParameters.get("notice").map { String($0) }, context: context)
        }
        router.post("/settings/factors/:id/rename") { _, context in
            try await factorAction(context: context) { user, id in
                try await app.factors.rename(userID: user.id, factorID: id, label: context.form.text("label"), ip: context.clientIP) ? "renamed" : "rename_failed"
            }
        }
        router.post("/settings/factors/:id/default") { _, context in
            try await factorAction(context: context, securityChange: true) { user, id in
                try await app.factors.makeDefault(userID: user.id, factorID: id, ip: context.clientIP) ? "default" : "default_failed"
            }
        }
        router.post("/settings/factors/:id/remove") { _, context in
            try await factorAction(context: context, securityChange: true) { user, id in
                switch try await app.factors.remove(userID: user.id, factorID: id, confirmLast: context.form["confirm"] == "1",
                                                    keepingSession: context.session.token, ip: context.clientIP) {
                case .removed: "removed"
                case .lastFactorRequired: "remove_last_required"
                case .needsConfirmation: "remove_confirm_\(id)"
                case .notFound: "remove_failed"
                }
            }
        }
        router.post("/settings/factors/:id/resync") { _, context in
            try await factorAction(context: context) { user, id in
                guard let token = try await app.inventory.heldToken(factorID: id, userID: user.id) else { return "resync_failed" }
                return try await app.inventory.resync(token, first: context.form.text("code1"), second: context.form.text("code2"),
                                                      actor: .user(user.id)) ? "resynced" : "resync_failed"
            }
        }
        // New backup codes, shown once: the page after the form that issued them.
        router.get("/backup-codes") { _, context in
            guard let codes = context.flash?.backupCodes else { return Response.seeOther("/settings") }
            return web.backupCodesPage(codes, next: WebContext.returnPath(context.flash?.next), context: context)
        }
        router.post("/settings/sessions/end-others") { _, context in
            try await app.flow.endOtherSessions(context.session, ip: context.clientIP)
            return Response.seeOther("/settings?notice=sessions_ended")
        }
        router.post("/settings/backup-codes") { _, context in
            try await web.requireRecentFactor(context)
            let user = context.user
            guard let codes = try await app.factors.regenerateBackupCodes(userID: user.id, keepingSession: context.session.token,
                                                                          ip: context.clientIP) else {
                return Response.seeOther("/settings?notice=codes_need_factor")
            }
            return try await web.showBackupCodes(codes, next: "/settings?notice=codes_regenerated", context: context)
        }
    }

    private func portal(context: SignedInContext) async throws -> Response {
        let user = context.user
        let factors = try await app.signIn.confirmedFactors(userID: user.id).filter { $0.type != .backupCodes }
        return web.pages.render("portal", [
            "title": "Portal",
            "displayName": user.displayName,
            "applications": [[String: Any]](),
            "factorCount": factors.count,
            "recommendMore": factors.count < Self.recommendedFactorCount,
            "recommended": Self.recommendedFactorCount,
        ], context: context)
    }

    static let notices: [String: (text: String, isError: Bool)] = [
        "enrolled": ("Your new sign-in method is set up.", false),
        "renamed": ("Renamed.", false),
        "rename_failed": ("Give the method a name of 1 to 64 characters.", true),
        "default": ("Default method changed.", false),
        "default_failed": ("That method cannot be your default.", true),
        "removed": ("Removed.", false),
        "remove_failed": ("That method could not be removed.", true),
        "remove_last_required": ("Your organization requires two-step verification: add another method before you remove your last one.", true),
        "pattern_needs_factor": ("A grid pattern is a backup: set up an authenticator app, a security key or another method first.", true),
        "codes_regenerated": ("New backup codes issued; the old ones no longer work.", false),
        "codes_need_factor": ("Set up another method first; backup codes back it up.", true),
        "resynced": ("Your token is back in step.", false),
        "pattern_enrolled": ("Your grid pattern is set up.", false),
        "sessions_ended": ("You are signed out everywhere else.", false),
        "resync_failed": ("Those codes did not match your token. Press the button twice and enter both codes, in order.", true),
    ]

    private func settings(notice: String?, context: SignedInContext) async throws -> Response {
        let user = context.user
        let summaries = try await app.factors.summaries(userID: user.id)
        let factors = summaries.map(\.factor)
        var rows: [[String: Any]] = []
        for summary in summaries {
            let factor = summary.factor
            var row = factor.view(methods: app.methods)
            if let remaining = summary.details.remainingCodes { row["remaining"] = remaining }
            if let backedUp = summary.details.keyBackedUp {
                // What kind of authenticator it is, as far as the credential says (synced passkeys are backed up).
                row["keyKind"] = backedUp ? "Synced passkey" : (summary.details.keyBackupEligible == true ? "Passkey" : "Device-bound key")
            }
            row["isCodes"] = factor.type == .backupCodes
            row["isToken"] = factor.type == .hotp
            rows.append(row)
        }
        var data: [String: Any] = [
            "title": "Settings",
            "factors": rows,
            "hasFactors": !rows.isEmpty,
            "hasCodes": factors.contains { $0.type == .backupCodes },
            "canHaveCodes": factors.contains { app.methods.isPossession($0) },
            "mfaState": try await app.factors.mfaState(of: user).label,
        ]
        if let notice, let entry = Self.notices[notice] {
            data[entry.isError ? "error" : "notice"] = entry.text
        } else if let notice, notice.hasPrefix("remove_confirm_"), let factor = factors.first(where: { "remove_confirm_" + $0.id == notice }) {
            // The last possession factor: the user confirms, knowing the backups go with it.
            data["confirmRemoval"] = ["id": factor.id, "label": factor.label]
        }
        return web.pages.render("settings", data, context: context)
    }

    /// A change to one of the user's factors; `securityChange` ones need a recent second factor (step-up first).
    private func factorAction(context: SignedInContext, securityChange: Bool = false,
                              _ action: (User, String) async throws -> String) async throws -> Response {
        if securityChange { try await web.requireRecentFactor(context) }
        let user = context.user
        let notice = try await action(user, try context.parameters.require("id"))
        return .seeOther("/settings?notice=\(notice)")
    }
}
