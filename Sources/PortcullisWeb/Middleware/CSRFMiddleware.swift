import Foundation
import Hummingbird
import PortcullisCore

/// CSRF protection for every form: a random token in an HttpOnly SameSite cookie that each form must repeat in a
/// `csrf` field (compared in constant time), plus a check that a browser's `Origin`, when sent, is our own.
/// It also parses the form body once, into `context.form`, for the handlers. Provider webhooks (`/webhooks/…`) are
/// exempt: no browser sends them, and each checks its provider's signature instead.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let cookies: CookieSettings
    let origin: String
    let random: any RandomSource

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let cookieToken = request.cookies[cookies.csrfName]?.value
        let needsCookie: Bool
        if let cookieToken, cookieToken.count == 43 {
            context.csrfToken = cookieToken
            needsCookie = false
        } else {
            context.csrfToken = random.token()
            needsCookie = true
        }
        if request.method == .post, !request.uri.path.hasPrefix("/webhooks/") {
            if let sentOrigin = request.headers[.origin], sentOrigin != origin { throw PageError.csrf }
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let form = FormData(parsing: String(buffer: body))
            guard let cookieToken, let sent = form["csrf"], constantTimeEquals(sent, cookieToken) else { throw PageError.csrf }
            context.form = form
        }
        var response = try await next(request, context)
        if needsCookie { response.setCookie(cookies.csrf(context.csrfToken)) }
        return response
    }
}
