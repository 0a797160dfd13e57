import Foundation
import Hummingbird
import PortcullisCore

/// Enrolling a grid pattern from settings: drawn twice. (Not offered during a first enrollment: it is a backup for a
/// stronger factor.)
struct PatternController {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: Router<AppRequestContext>) {
        router.get("/enroll/pattern") { _, context in try await page(context: context) }
        router.post("/enroll/pattern") { _, context in try await enroll(context: context) }
    }

    /// Template values for a drawing grid of `size`×`size` dots.
    static func grid(size: Int, field: String, label: String) -> [String: Any] {
        let dots: [[String: Any]] = (1...(size * size)).map { n in
            ["number": n, "row": (n - 1) / size + 1, "column": (n - 1) % size + 1]
        }
        return ["size": size, "dots": dots, "field": field, "label": label, "maxDots": size * size]
    }

    private func page(context: AppRequestContext, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        _ = try web.requireSignedIn(context)
        let size = app.configuration.policy.patternGridSize
        var data: [String: Any] = [
            "title": "Set up a grid pattern",
            "first": Self.grid(size: size, field: "pattern", label: "Draw your pattern"),
            "second": Self.grid(size: size, field: "confirmation", label: "Draw it again"),
            "minimum": PatternFactor.minimumDots,
        ]
        data["error"] = error
        return web.pages.render("enroll-pattern", data, context: context, status: status)
    }

    private func enroll(context: AppRequestContext) async throws -> Response {
        let (_, user) = try web.requireSignedIn(context)
        let outcome = try await PatternFactor(canBeDefault: app.configuration.policy.patternCanBeDefault).enroll(
            userID: user.id, pattern: context.form.text("pattern"), confirmation: context.form.text("confirmation"),
            gridSize: app.configuration.policy.patternGridSize, label: nil, context: app.factorContext)
        switch outcome {
        case .failure(let problem):
            return try await page(context: context, error: problem.description, status: .unprocessableContent)
        case .success(let factor):
            try await app.audit.record(.factorEnrolled, organizationID: user.organizationID, userID: user.id, ip: context.clientIP,
                                       detail: ["factor": factor.type.rawValue, "factor_id": factor.id])
            return .seeOther("/settings?notice=pattern_enrolled")
        }
    }
}
