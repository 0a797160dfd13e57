/// What the layout (`layout.mustache`) shows around every page: the title, the account navigation while signed in,
/// the notice or error, and the CSRF token that every form sends (`{{> csrf}}`).
struct LayoutView: Sendable {
    let title: String
    /// The token of this browser and session, for the `csrf` field of the page's forms.
    let csrf: String
    /// Who is signed in (nil before sign-in completes): the navigation with Portal, Settings, Admin and Sign out.
    let signedInUser: SignedInUserView?
    /// A confirmation (`#notice`).
    let notice: String?
    /// A problem (`#error`, announced as an alert).
    let error: String?
}
