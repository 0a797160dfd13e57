import Foundation
import Hummingbird
import PortcullisApp
import PortcullisCore

/// The admin area's frame: `/admin` itself, an operator's choice of organization, and the navigation every admin page
/// shows. Each section has its own controller (users, groups, policy, tokens, audit log, API keys).
struct AdminArea {
    let web: WebContext
    var app: Portcullis { web.app }

    func register(on router: some RouterMethods<AdminContext>) {
        router.get("/admin") { _, _ in Response.seeOther("/admin/users") }
        router.post("/admin/organization") { _, context in
            guard context.user.isOperator, let organization = try await app.directory.organization(slug: context.form.text("org")) else {
                throw PageError.notFound
            }
            var response = Response.seeOther("/admin/users")
            response.setCookie(web.cookies.cookie(AdminMiddleware.organizationCookie, organization.slug))
            return response
        }
    }

    /// The navigation for a page of `section`: an operator also gets the organization switch.
    static func nav(_ section: AdminNavView.Section, context: AdminContext, app: Portcullis) async throws -> AdminNavView {
        guard context.user.isOperator else { return AdminNavView(current: section, organizationName: context.organization.name) }
        let options = try await app.directory.organizations().map {
            AdminNavView.Option(slug: $0.slug, name: $0.name, selected: $0.id == context.organization.id)
        }
        return AdminNavView(current: section, organizationName: context.organization.name, options: options)
    }
}

extension AdminContext {
    /// A date as the organization reads it: `yyyy-MM-dd HH:mm` in its time zone.
    func local(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = organization.policy.zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
