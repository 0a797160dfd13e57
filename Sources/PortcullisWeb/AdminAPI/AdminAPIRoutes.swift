import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Mounts the generated handlers on the admin API's route group (through swift-openapi-hummingbird) and completes
/// what the document implies, so that every answer under `/api/v1` is a problem document: a documented path called
/// with another method answers 405 with `Allow`, and a path the document does not have answers 404.
final class AdminAPIRoutes: ServerTransport {
    private let group: RouterGroup<AdminAPIRequestContext>
    /// Each registered path's methods, in the order the generated code registered them.
    private var methods: [(path: String, methods: [HTTPRequest.Method])] = []

    init(group: RouterGroup<AdminAPIRequestContext>) {
        self.group = group
    }

    func register(_ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
                  method: HTTPRequest.Method, path: String) throws {
        try group.register(handler, method: method, path: path)
        if let index = methods.firstIndex(where: { $0.path == path }) {
            methods[index].methods.append(method)
        } else {
            methods.append((path, [method]))
        }
    }

    /// The methods a request may use that none of the document's operations take.
    static let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]

    /// After the generated registration: 405 for the other methods of each documented path, 404 below `prefix`.
    func complete(prefix: String) {
        for (path, registered) in methods {
            let allow = registered.map(\.rawValue).joined(separator: ", ")
            for method in Self.otherMethods where !registered.contains(method) {
                group.on(RouterPath(path), method: method) { _, _ in
                    var response = AdminAPIProblem.methodNotAllowed.document.response
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
        for method in Self.otherMethods {
            group.on(RouterPath(prefix + "/**"), method: method) { _, _ in AdminAPIProblem.notFound.document.response }
        }
    }
}
