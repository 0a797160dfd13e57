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
                // A page (GET) gets the flash the form before it left, and clears it once it is shown (an HTML
                // answer); a poll for JSON or a redirect leaves it for the page.
                if request.method == .get { context.flash = app.sessions.flash(of: session) }
            } else {
                try await app.sessions.end(token)
            }
        }
        let response = try await next(request, context)
        if let session = context.session, context.flash != nil, response.headers[.contentType]?.hasPrefix("text/html") == true {
            try await app.sessions.clearFlash(session)
        }
        return response
    }
}
