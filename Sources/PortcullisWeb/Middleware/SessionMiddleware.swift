import Foundation
import HTTPTypes
import Hummingbird
import PortcullisApp
import PortcullisCore

/// Loads the session named by the cookie (from the database, so any node can serve it) and its user.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let app: Portcullis
    let cookies: CookieSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[cookies.sessionName]?.value, !token.isEmpty,
           let (session, user) = try await app.sessions.current(token: token) {
            if !user.disabled {
                context.session = session
                context.user = user
                // A page (GET) takes the flash the form before it left; other requests leave it for that page.
                if request.method == .get { context.flash = try await app.sessions.takeFlash(session) }
            } else {
                try await app.sessions.end(token)
            }
        }
        return try await next(request, context)
    }
}
