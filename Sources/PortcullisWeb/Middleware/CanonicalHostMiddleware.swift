import Foundation
import Hummingbird

/// Development mode only: a page fetched under another host name than the base URL's (`127.0.0.1` for `localhost`)
/// is redirected to the base URL, because forms from another origin fail the CSRF check and browsers refuse WebAuthn
/// on an IP address. Health checks are left alone. In production the reverse proxy decides which hosts reach us.
struct CanonicalHostMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The base URL's host name, compared with the one in `Host` (ports are left alone).
    let host: String
    let baseOrigin: String

    init?(baseURL: String) {
        guard let components = URLComponents(string: baseURL), let host = components.host?.lowercased() else { return nil }
        self.host = host
        baseOrigin = origin(of: baseURL)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let location = redirect(method: request.method, authority: request.head.authority, path: request.uri.path,
                                      target: request.uri.description) else { return try await next(request, context) }
        return Response(status: .temporaryRedirect, headers: [.location: location])
    }

    /// Where a request should go instead, or nil to serve it here.
    func redirect(method: HTTPRequest.Method, authority requested: String?, path: String, target: String) -> String? {
        guard method == .get, let requested, path != "/healthz", path != "/readyz",
              URLComponents(string: "http://" + requested)?.host?.lowercased() != host else { return nil }
        return baseOrigin + target
    }
}
