import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// In front of every admin page and action: a second factor answered within the admin window (15 minutes by
/// default, `PORTCULLIS_ADMIN_STEP_UP_MINUTES`), else the step-up challenge, which comes back here; and the
/// organization administered — the admin's own, or for an operator the one chosen on the admin pages (a cookie
/// holding its slug).
struct AdminMiddleware: RouterMiddleware {
    typealias Context = AdminContext
    let app: Portcullis
    static let organizationCookie = "portcullis_admin_org"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard app.sessions.isRecentlyVerified(context.session, within: app.configuration.policy.adminStepUpWindow) else {
            let back = request.method == .get ? request.uri.path : "/admin"
            return .seeOther("/settings/verify?next=" + (back.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "/admin"))
        }
        var context = context
        var organization: Organization?
        if context.user.isOperator, let slug = request.cookies[Self.organizationCookie]?.value {
            organization = try await app.directory.organization(slug: slug)
        }
        if organization == nil { organization = try await app.directory.organization(id: context.user.organizationID) }
        guard let organization else { throw PageError.notFound }
        context.organization = organization
        return try await next(request, context)
    }
}
