import Hummingbird
import PortcullisApp
import PortcullisCore

/// The portal (SPEC §6) and the user's own settings (SPEC §5): factors, default, backup codes.
struct AccountController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<SignedInContext>) {
        router.get("/portal") { request, context in
            try await portal(notice: Notice.find(request.uri.queryParameters.get("notice").map { String($0) }, among: Notice.portalPage),
                             context: context)
        }
        router.get("/settings") { request, context in
            try await settings(notice: request.uri.queryParameters.get("notice").map { String($0) }, deviceCookie: web.deviceCookie(request),
                               context: context)
        }
        router.post("/settings/factors/:id/rename") { _, context in
            try await factorAction(context: context) { user, id in
                .notice(try await app.factors.rename(userID: user.id, factorID: id, label: context.form.text("label"), ip: context.clientIP)
                    ? .renamed : .renameFailed)
            }
        }
        router.post("/settings/default") { _, context in
            try await web.requireRecentFactor(context)
            let changed = try await app.factors.makeDefault(userID: context.user.id, factorID: context.form.text("factor_id"), ip: context.clientIP)
            return Response.seeOther("/settings", notice: changed ? .defaultChanged : .defaultFailed)
        }
        router.post("/settings/factors/:id/default") { _, context in
            try await factorAction(context: context, securityChange: true) { user, id in
                .notice(try await app.factors.makeDefault(userID: user.id, factorID: id, ip: context.clientIP) ? .defaultChanged : .defaultFailed)
            }
        }
        router.post("/settings/factors/:id/remove") { _, context in
            try await factorAction(context: context, securityChange: true) { user, id in
                switch try await app.factors.remove(userID: user.id, factorID: id, confirmLast: context.form["confirm"] == "1",
                                                    keepingSession: context.session.token, ip: context.clientIP) {
                case .removed: .notice(.removed)
                case .lastFactorRequired: .notice(.lastFactorRequired)
                case .needsConfirmation: .confirmRemoval(factorID: id)
                case .notFound: .notice(.removeFailed)
                }
            }
        }
        router.post("/settings/factors/:id/resync") { _, context in
            try await factorAction(context: context) { user, id in
                guard let token = try await app.inventory.heldToken(factorID: id, userID: user.id) else { return .notice(.resyncFailed) }
                return .notice(try await app.inventory.resync(token, first: context.form.text("code1"), second: context.form.text("code2"),
                                                              actor: .user(user.id)) ? .resynced : .resyncFailed)
            }
        }
        // New backup codes, shown once: the page after the form that issued them.
        router.get("/backup-codes") { _, context in
            guard let codes = context.flash?.backupCodes else { return Response.seeOther("/settings") }
            return web.backupCodesPage(codes, next: WebContext.returnPath(context.flash?.next), context: context)
        }
        router.post("/settings/questions") { _, context in
            try await web.requireRecentFactor(context)
            let form = context.form
            let count = try await web.policy(for: context.user).challengeQuestions.count
            let pairs = (0..<min(count, 5)).map { index in
                let custom = form.text("custom\(index)").trimmingCharacters(in: .whitespaces)
                return (question: custom.isEmpty ? form.text("question\(index)") : custom, answer: form["answer\(index)"] ?? "")
            }
            do {
                try await app.challengeQuestions.save(user: context.user, pairs: pairs, ip: context.clientIP)
            } catch let problem as ChallengeQuestions.Problem {
                return try await web.redirect("/settings", flash: Flash(.problem(problem)), context: context)
            }
            return Response.seeOther("/settings", notice: .questionsSaved)
        }
        router.post("/settings/sessions/end-others") { _, context in
            try await app.flow.endOtherSessions(context.session, ip: context.clientIP)
            return Response.seeOther("/settings", notice: .sessionsEnded)
        }
        router.post("/settings/backup-codes") { _, context in
            try await web.requireRecentFactor(context)
            let user = context.user
            guard let codes = try await app.factors.regenerateBackupCodes(userID: user.id, keepingSession: context.session.token,
                                                                          ip: context.clientIP) else {
                return Response.seeOther("/settings", notice: .codesNeedFactor)
            }
            return try await web.showBackupCodes(codes, next: Notice.codesRegenerated.location("/settings"), context: context)
        }
    }

    private func portal(notice: Notice?, context: SignedInContext) async throws -> Response {
        let user = context.user
        // The methods that count: possession factors (backups stand beside one).
        let factors = try await app.signIn.confirmedFactors(userID: user.id).filter { app.methods.isPossession($0) }
        let password = PasswordStatusView(try await app.passwords.status(of: user), now: app.clock.now)
        return web.pages.render(PortalPage(displayName: user.displayName, applications: [], factorCount: factors.count,
                                           recommended: try await web.policy(for: user).recommendedFactorCount, password: password,
                                           notice: notice), context: context)
    }

    /// The `?notice=` code that asks to confirm removing the last possession factor (`remove_confirm_{id}`).
    private static let confirmRemovalPrefix = "remove_confirm_"

    private func settings(notice code: String?, deviceCookie: String?, context: SignedInContext) async throws -> Response {
        let user = context.user
        let summaries = try await app.factors.summaries(userID: user.id)
        let factors = summaries.map(\.factor)
        let policy = try await web.policy(for: user)
        let methods = FactorMethods.forPolicy(policy)
        let possessionCount = factors.filter { methods.isPossession($0) }.count
        let canHaveCodes = possessionCount > 0
        let rows = summaries.map { SettingsFactorRow($0, methods: methods, presenters: web.presenters) }
        let sections = SettingsSection.sections(rows: rows, presenters: web.presenters, methods: methods, canHaveCodes: canHaveCodes)
        let confirmed = Set(factors.filter(\.confirmed).map(\.id))
        let choices = rows.filter { $0.canBeDefault && confirmed.contains($0.id) }
            .map { OptionView(value: $0.id, label: "\($0.typeName): \($0.label)", selected: $0.isDefault) }
        var page = SettingsPage(mfaState: try await app.factors.mfaState(of: user).label,
                                firstSections: sections.filter(\.beforeDefault), sections: sections.filter { !$0.beforeDefault },
                                defaultChoices: choices, hasDefaultChoices: !choices.isEmpty,
                                hasCodes: summaries.contains { $0.details.remainingCodes != nil },
                                canHaveCodes: canHaveCodes,
                                recommendedFactorCount: possessionCount < policy.recommendedFactorCount ? policy.recommendedFactorCount : nil,
                                password: PasswordStatusView(try await app.passwords.status(of: user), now: app.clock.now),
                                questions: policy.challengeQuestions.enabled
                                    ? ChallengeQuestionsView(current: try await app.challengeQuestions.questions(of: user),
                                                             questions: policy.challengeQuestions.questions, count: policy.challengeQuestions.count,
                                                             allowCustom: policy.challengeQuestions.allowCustom) : nil)
        page.devices = try await app.rememberedDevices.list(user: user, currentCookie: deviceCookie).map(RememberedDeviceRow.init)
        page.hasDevices = !page.devices.isEmpty
        if policy.rememberDeviceDays > 0 {
            page.rememberHint = "Tick \"Remember this device\" when you answer a second factor at sign-in, and that browser is not asked "
                + "for one for \(policy.rememberDeviceDays) day\(policy.rememberDeviceDays == 1 ? "" : "s")."
        }
        page.showsDevices = page.hasDevices || page.rememberHint != nil
        if let notice = Notice.find(code, among: Notice.settingsPage) {
            page.notice = notice
        } else if let code, code.hasPrefix(Self.confirmRemovalPrefix),
                  let factor = factors.first(where: { Self.confirmRemovalPrefix + $0.id == code }) {
            // The last possession factor: the user confirms, knowing the backups go with it.
            page.confirmRemoval = RemovalConfirmationView(id: factor.id, label: factor.label)
        }
        return web.pages.render(page, context: context)
    }

    /// Where a change to a factor leads: back to settings with its notice, or to the question before removing the
    /// last possession factor.
    enum FactorActionResult {
        case notice(Notice)
        case confirmRemoval(factorID: String)

        var location: String {
            switch self {
            case .notice(let notice): notice.location("/settings")
            case .confirmRemoval(let factorID): "/settings?notice=" + AccountController.confirmRemovalPrefix + factorID
            }
        }
    }

    /// A change to one of the user's factors; `securityChange` ones need a recent second factor (step-up first).
    private func factorAction(context: SignedInContext, securityChange: Bool = false,
                              _ action: (User, String) async throws -> FactorActionResult) async throws -> Response {
        if securityChange { try await web.requireRecentFactor(context) }
        let user = context.user
        return .seeOther(try await action(user, try context.parameters.require("id")).location)
    }
}
