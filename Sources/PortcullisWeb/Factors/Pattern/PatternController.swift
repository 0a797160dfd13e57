import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// Enrolling a grid pattern from settings: drawn twice. (Not offered during a first enrollment: it is a backup for a
/// stronger factor.)
struct PatternController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<SignedInContext>) {
        router.get("/enroll/pattern") { _, context in try await page(context: context) }
        router.post("/enroll/pattern") { _, context in try await enroll(context: context) }
    }

    private func page(context: SignedInContext) async throws -> Response {
        try await web.requireRecentFactor(context, next: "/enroll/pattern")
        try await web.requireAllowed(.pattern, for: context.user)
        let size = try await web.policy(for: context.user).patternGridSize
        return web.pages.render(EnrollPatternPage(minimum: PatternFactor.minimumDots,
                                                  first: PatternGridView(size: size, field: "pattern", label: "Draw your pattern"),
                                                  second: PatternGridView(size: size, field: "confirmation", label: "Draw it again")),
                                context: context)
    }

    private func enroll(context: SignedInContext) async throws -> Response {
        try await web.requireRecentFactor(context, next: "/enroll/pattern")
        try await web.requireAllowed(.pattern, for: context.user)
        let user = context.user
        switch try await app.factors.enrollPattern(user: user, pattern: context.form.text("pattern"),
                                                   confirmation: context.form.text("confirmation"), ip: context.clientIP) {
        case .invalid(let problem):
            return try await web.redirect("/enroll/pattern", flash: Flash(.problem(problem)), context: context)
        case .needsPossessionFactor:
            return .seeOther("/settings", notice: .patternNeedsFactor)
        case .enrolled:
            return .seeOther("/settings", notice: .patternEnrolled)
        }
    }
}
