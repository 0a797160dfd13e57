import Foundation
import HTTPTypes
import Hummingbird

/// Sets the client's address: the connection's peer, or behind a reverse proxy we run (`trustProxy`), the last hop
/// of `X-Forwarded-For`.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustProxy: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard trustProxy, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!],
              let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty else {
            return try await next(request, context)
        }
        var context = context
        context.clientIP = last
        return try await next(request, context)
    }
}
