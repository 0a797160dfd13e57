import Hummingbird
import Logging
import NIOCore
import PortcullisCore

/// Turns anything a handler throws into a plain page: redirects, error pages, 503 when password hashing is saturated,
/// and a generic 500 that logs only the error's type (never its text, which might quote input).
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: Pages

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as PageError {
            switch error {
            case .redirect(let location):
                return .seeOther(location)
            case .page(let status, let title, let message):
                return page(status, title, message, context)
            }
        } catch WorkLimiterError.overloaded {
            var response = page(.serviceUnavailable, "Busy", "The server is busy right now. Wait a moment and try again.", context)
            response.headers[.retryAfter] = "2"
            return response
        } catch is NIOTooManyBytesError {
            return page(.contentTooLarge, "Too large", "What you sent is too large.", context)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return page(.notFound, "Page not found", "There is no page at this address.", context)
            case .contentTooLarge: return page(.contentTooLarge, "Too large", "What you sent is too large.", context)
            case .methodNotAllowed: return page(.methodNotAllowed, "Not allowed", "This page cannot be used that way.", context)
            default: return page(error.status, "Request refused", "The request could not be handled. Go back and try again.", context)
            }
        } catch {
            context.logger.error("request failed", metadata: ["error_type": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return page(.internalServerError, "Something went wrong",
                        "Something went wrong on our side. Nothing you entered was lost; go back and try again.", context)
        }
    }

    private func page(_ status: HTTPResponse.Status, _ title: String, _ message: String, _ context: Context) -> Response {
        pages.render("error", ["title": title, "message": message], context: context, status: status)
    }
}
