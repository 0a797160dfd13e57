import Hummingbird

/// What a handler throws to end a request early: a redirect or an error page. Rendered by `ErrorPageMiddleware`.
public enum PageError: Error {
    /// 303 See Other to `location`.
    case redirect(String)
    /// An error page with a plain message for the user.
    case page(HTTPResponse.Status, title: String, message: String)

    static let notFound = PageError.page(.notFound, title: "Page not found", message: "There is no page at this address.")
    static let badRequest = PageError.page(.badRequest, title: "Bad request", message: "The request could not be understood. Go back and try again.")
    static let csrf = PageError.page(.forbidden, title: "Form expired",
                                     message: "This form has expired or was sent from another site. Go back, reload the page and try again.")
}
