import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// Turns anything a handler throws into a plain page: redirects, error pages, a domain error worded by the error
/// catalog (its kind decides the status; 503 with `Retry-After` when password hashing is saturated), and a generic
/// 500 that logs only the error's type (never its text, which might quote input). A request the client gave up on
/// (connection reset or closed mid-request, or a malformed body) is logged at debug level only: it is not the
/// server's fault.
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
            var response = page(.serviceUnavailable, "Busy", ErrorCatalog.busy.message, context)
            response.headers[.retryAfter] = "2"
            return response
        } catch let error as any DomainError {
            let description = error.described
            if error.kind == .failed || error.kind == .misconfigured {
                context.logger.error("request failed", metadata: ["error_code": "\(description.code)", "path": "\(request.uri.path)"])
            }
            return page(error.kind.status, error.kind.title, description.message, context)
        } catch let error where Self.isClientAbort(error) {
            context.logger.debug("request aborted", metadata: ["error_type": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            // Hummingbird answers a parser error with 400 and closes the connection, as it would without this middleware.
            if error is HTTPParserError { throw error }
            var response = page(.badRequest, "Request refused", "The request could not be handled. Go back and try again.", context)
            response.headers[.connection] = "close"
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

    /// Whether an error means the client went away or broke off its request, rather than that something failed here.
    static func isClientAbort(_ error: any Error) -> Bool {
        switch error {
        case is HTTPParserError, is CancellationError:
            return true
        case let error as IOError:
            return [ECONNRESET, EPIPE, ECONNABORTED, ETIMEDOUT].contains(error.errnoCode)
        case let error as ChannelError:
            switch error {
            case .ioOnClosedChannel, .alreadyClosed, .eof, .inputClosed, .outputClosed: return true
            default: return false
            }
        default:
            return false
        }
    }

    private func page(_ status: HTTPResponse.Status, _ title: String, _ message: String, _ context: Context) -> Response {
        pages.render(ErrorPage(title: title, message: message), context: context, status: status)
    }
}
