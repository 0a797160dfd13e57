import Foundation
import Hummingbird
import PortcullisCore
import PortcullisCrypto

/// CSRF protection for every form. The HttpOnly SameSite cookie holds a random value naming this browser; each form
/// carries a token the server issued for that value and the current session (`CSRFTokens`), which a POST must send
/// back as `csrf`. A value a client puts in the cookie itself gets it nothing: without the server's key it cannot
/// make the matching token. A browser's `Origin`, when sent, must be our own.
/// It also parses the form body once, into `context.form`, for the handlers. It runs on the browser pages' route
/// group only; webhooks and the verification API have their own authentication.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let cookies: CookieSettings
    let origin: String
    let random: any RandomSource
    let tokens: CSRFTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let cookieValue = request.cookies[cookies.csrfName]?.value
        let needsCookie: Bool
        if let cookieValue, CSRFTokens.isWellFormedBrowserValue(cookieValue) {
            context.browserID = cookieValue
            needsCookie = false
        } else {
            context.browserID = random.token()
            needsCookie = true
        }
        context.csrfToken = tokens.token(browser: context.browserID, session: context.session)
        if request.method == .post {
            if let sentOrigin = request.headers[.origin], sentOrigin != origin { throw PageError.csrf }
            // A browser without a (well-formed) cookie cannot have been given a token.
            guard !needsCookie else { throw PageError.csrf }
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let form = FormData(parsing: String(buffer: body))
            guard let sent = form["csrf"], tokens.isValid(sent, browser: context.browserID, session: context.session) else {
                throw PageError.csrf
            }
            context.form = form
        }
        var response = try await next(request, context)
        if needsCookie { response.setCookie(cookies.csrf(context.browserID)) }
        return response
    }
}
