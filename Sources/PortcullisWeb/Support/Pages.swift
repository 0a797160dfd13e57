import Foundation
import Hummingbird
import Mustache

/// Renders the Mustache templates in `Templates/` into HTML responses. A page is a view model (`PageView`) whose
/// template fills the one layout (`layout.mustache`: the document, the header and its navigation, the notice or
/// error); the layout gets the CSRF token and who is signed in from the request. `{{ }}` escapes HTML.
public struct Pages: Sendable {
    let library: MustacheLibrary

    public init() async throws {
        guard let root = Bundle.module.resourcePath else { throw PagesError.missingResources }
        self.library = try await MustacheLibrary(directory: root + "/Templates")
    }

    func render<Page: PageView>(_ page: Page, context: some PageContext, status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(PageDocument(layout: layout(for: page, context: context.browser), page: page), withTemplate: Page.template)
            ?? "<!doctype html><title>Error</title><p>Page missing.</p>"
        return Self.html(html, status: status)
    }

    /// The layout's values: the page's notice or error, else what the form before this page left (Post/Redirect/Get).
    private func layout(for page: some PageView, context: AppRequestContext) -> LayoutView {
        var notice = context.flash?.notice
        var error = context.flash?.error
        if let own = page.notice {
            if own.isError { error = own.text } else { notice = own.text }
        }
        var signedInUser: SignedInUserView?
        if let user = context.user, context.session?.stage == .signedIn {
            signedInUser = SignedInUserView(displayName: user.displayName, isAdmin: user.isAdmin || user.isOperator)
        }
        return LayoutView(title: page.title, csrf: context.csrfToken, signedInUser: signedInUser, notice: notice, error: error)
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

    /// 303 See Other to `path`, which shows `notice` (`?notice=`).
    static func seeOther(_ path: String, notice: Notice) -> Response {
        seeOther(notice.location(path))
    }

    /// A JSON body (for the few endpoints page scripts call), keys sorted.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
