import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// Authenticates every admin API call with an admin key (`Authorization: Bearer pca_…`; a verification key is refused
/// like a wrong one) and answers every error as an RFC 9457 problem document: a domain error by its kind, the API's own
/// refusals (`AdminAPIProblem`) by their status, a request the generated code cannot read with 400, anything else a
/// plain 500 logged by its type only. The key is never logged (neither is the `Authorization` header).
struct AdminAPIMiddleware: RouterMiddleware {
    typealias Context = AdminAPIRequestContext
    let keys: APIKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        do {
            guard let header = request.headers[.authorization], let (key, organization) = try await keys.authenticateAdmin(header) else {
                var response = Self.response(AdminAPIProblem.unauthenticated.document)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            let caller = AdminAPICaller(key: key, organization: organization, ip: context.clientIP)
            context.caller = caller
            // Read the body here, within the context's limit, so a request too large is refused before any decoding.
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            if body.readableBytes > 0, request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true,
               AdminAPINulls.refused(Data(body.readableBytesView)) {
                return Self.response(AdminAPIProblem.badParameter("null").document)
            }
            return try await AdminAPICaller.$current.withValue(caller) { try await next(request, context) }
        } catch let error where ErrorPageMiddleware.isClientAbort(error) {
            throw error
        } catch {
            return Self.response(for: error, logger: context.logger)
        }
    }

    /// The problem document for anything a handler or the generated code threw.
    static func response(for error: any Error, logger: Logger) -> Response {
        switch error {
        case let error as ServerError:
            if let response = known(error.underlyingError, logger: logger) { return response }
            // Thrown while the generated code turned the request into the operation's input: it cannot be read.
            if error.operationInput == nil, (400..<500).contains(error.httpStatus.code) {
                return response(AdminAPIProblem.badRequest(status: error.httpStatus).document)
            }
            return unexpected(error.underlyingError, logger: logger)
        default:
            return known(error, logger: logger) ?? unexpected(error, logger: logger)
        }
    }

    private static func known(_ error: any Error, logger: Logger) -> Response? {
        switch error {
        case let problem as AdminAPIProblem:
            var answer = response(problem.document)
            if problem.status == .unauthorized { answer.headers[.wwwAuthenticate] = "Bearer" }
            return answer
        case WorkLimiterError.overloaded:
            var answer = response(ProblemDocument(ErrorCatalog.busy, status: .serviceUnavailable))
            answer.headers[.retryAfter] = "2"
            return answer
        case let error as any DomainError:
            let description = error.described
            if error.kind == .failed || error.kind == .misconfigured {
                logger.error("admin API request failed", metadata: ["error_code": "\(description.code)"])
            }
            return response(ProblemDocument(description))
        case is NIOTooManyBytesError:
            return response(AdminAPIProblem.tooLarge.document)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return response(AdminAPIProblem.notFound.document)
            case .methodNotAllowed: return response(AdminAPIProblem.methodNotAllowed.document)
            default: return response(AdminAPIProblem.badRequest(status: error.status).document)
            }
        default:
            return nil
        }
    }

    private static func unexpected(_ error: any Error, logger: Logger) -> Response {
        logger.error("admin API request failed", metadata: ["error_type": "\(String(reflecting: type(of: error)))"])
        return response(ProblemDocument(ErrorCatalog.describe(code: "server.error", kind: .failed), status: .internalServerError))
    }

    static func response(_ document: ProblemDocument) -> Response {
        document.response
    }
}
