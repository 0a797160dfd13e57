import Foundation
import Hummingbird
import Logging
import NIOCore
import PortcullisApp
import PortcullisCore
import PortcullisCrypto

/// Authenticates verification API calls with an application key (`Authorization: Bearer pck_…`, or the bare key as
/// privacyIDEA's clients send their token), reads the parameters from a form or JSON body, and answers every error as
/// a JSON document in privacyIDEA's error shape instead of a page.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let keys: APIKeys

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        do {
            guard let header = request.headers[.authorization], let (key, organization) = try await keys.authenticateWithOrganization(header) else {
                return VerificationResponse.error(code: 4033, message: "Authentication failure: a valid API key is required.", status: .unauthorized)
            }
            context.apiKey = key
            context.organization = organization
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            guard let parameters = Self.parameters(body: String(buffer: body), contentType: request.headers[.contentType]) else {
                return VerificationResponse.error(code: 905, message: "The request body could not be read.", status: .badRequest)
            }
            context.parameters = parameters
            return try await next(request, context)
        } catch is NIOTooManyBytesError {
            return VerificationResponse.error(code: 905, message: "The request is too large.", status: .contentTooLarge)
        } catch WorkLimiterError.overloaded {
            var response = VerificationResponse.error(code: 503, message: "The server is busy. Try again shortly.", status: .serviceUnavailable)
            response.headers[.retryAfter] = "2"
            return response
        } catch let error as any DomainError {
            // privacyIDEA's clients read `result.error.message`; the words come from the error catalog, and the
            // stable code is logged (privacyIDEA's numeric codes stay for the cases its clients know).
            let description = error.described
            context.logger.notice("verification API request refused", metadata: ["error_code": "\(description.code)"])
            return VerificationResponse.error(code: Int(error.kind.status.code), message: description.message, status: error.kind.status)
        } catch {
            context.logger.error("verification API request failed", metadata: ["error_type": "\(String(reflecting: type(of: error)))"])
            return VerificationResponse.error(code: 500, message: "Internal error.", status: .internalServerError)
        }
    }

    /// Form fields, or a JSON object's string, number and boolean members; nil for a body that is neither.
    static func parameters(body: String, contentType: String?) -> [String: String]? {
        if contentType?.lowercased().hasPrefix("application/json") == true {
            guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(body.utf8)) else { return nil }
            var fields: [String: String] = [:]
            for (name, value) in object {
                switch value {
                case .string(let text): fields[name] = text
                case .int(let number): fields[name] = String(number)
                case .double(let number): fields[name] = String(number)
                case .bool(let flag): fields[name] = flag ? "1" : "0"
                case .null, .array, .object: continue
                }
            }
            return fields
        }
        return FormData(parsing: body).fields
    }
}
