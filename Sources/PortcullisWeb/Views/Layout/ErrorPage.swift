/// A page that explains why a request went no further (`error`): not found, forbidden, expired form, busy, failed.
struct ErrorPage: PageView {
    static let template = "error"
    let title: String
    let message: String
}
