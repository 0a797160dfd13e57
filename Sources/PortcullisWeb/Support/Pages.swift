import Foundation
import Hummingbird
import Mustache

/// Renders the Mustache templates in `Templates/` into HTML responses. Every page gets the CSRF token and who is
/// signed in; `{{ }}` escapes HTML.
public struct Pages: Sendable {
    let library: MustacheLibrary

    public init() async throws {
        guard let root = Bundle.module.resourcePath else { throw PagesError.missingResources }
        self.library = try await MustacheLibrary(directory: root + "/Templates")
    }

    public func render(_ template: String, _ data: [String: Any] = [:], context: some PageContext,
                       status: HTTPResponse.Status = .ok) -> Response {
        let context = context.browser
        var values = data
        values["csrf"] = context.csrfToken
        // What the form before this page left (Post/Redirect/Get): its notice or error and its entered values.
        if let flash = context.flash {
            if values["notice"] == nil, let notice = flash.notice { values["notice"] = notice }
            if values["error"] == nil, let error = flash.error { values["error"] = error }
            for (name, value) in flash.values where values[name] == nil || (values[name] as? String)?.isEmpty == true { values[name] = value }
        }
        if let user = context.user, context.session?.stage == .signedIn {
            values["signedInUser"] = ["displayName": user.displayName, "isAdmin": user.isAdmin || user.isOperator]
        }
        let html = library.render(values, withTemplate: template) ?? "<!doctype html><title>Error</title><p>Page missing.</p>"
        return Self.html(html, status: status)
    }

    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    enum PagesError: Error { case missingResources }
}

extension Response {
    /// 303 See Other: after a form post, the browser follows with a GET.
    static func seeOther(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// A JSON body (for the few endpoints page scripts call), keys sorted.
    static func json(_ value: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
