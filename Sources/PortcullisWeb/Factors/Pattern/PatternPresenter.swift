import Foundation
import Hummingbird
import PortcullisCore

/// The grid pattern on the web: drawn (or typed as dot numbers) on a grid; added from settings only, beside a
/// possession factor.
struct PatternPresenter: FactorPresenter {
    let type = PatternFactor().type
    let kind = "Something you know"
    let placement = FactorPlacement(title: "Grid pattern", rank: 5, recovery: .init(pattern: true))
    let addOption: AddOption? = AddOption(
        id: "pattern", title: "Grid pattern", description: "a pattern you draw on a grid of dots (a backup)",
        settingsTitle: "Add grid pattern", path: "/enroll/pattern", firstFactor: false)

    func challenge(for factor: Factor, user: User, web: WebContext) async throws -> ChallengePart {
        var size = try? factor.parameters(as: PatternParameters.self).grid
        if size == nil { size = try await web.policy(for: user).patternGridSize }
        return ChallengePart(prompt: "Draw your grid pattern, or type its dot numbers.", partial: "factors/pattern/challenge",
                             grid: PatternGridView(size: size ?? 3, field: "pattern", label: "Your pattern"), script: "pattern")
    }

    func response(from form: FormData, session: Session, user: User, web: WebContext) async throws -> FactorResponse? {
        let pattern = form.text("pattern")
        return pattern.isEmpty || pattern.count > 200 ? nil : .pattern(pattern)
    }

    func registerEnrollment(web: WebContext, browser: some RouterMethods<AppRequestContext>, signedIn: some RouterMethods<SignedInContext>) {
        PatternController(web: web).register(on: signedIn)
    }
}
