/// The sign-in page (`login`): username and password, and "Sign in with a passkey" where the organization offers it.
struct LoginPage: PageView {
    static let template = "login"
    let title = "Sign in"
    /// The organization's name, under the heading.
    let organization: String
    /// Its slug, which the passkey form sends (`org`).
    let slug: String
    /// Where the form posts: `/login`, or `/o/{slug}/login`.
    let action: String
    /// Whether "Sign in with a passkey" is offered.
    let passkeys: Bool
    /// The username entered before (after a refusal), to fill in again; nil when none (the field then has the focus).
    var username: String?
    var notice: Notice?
}
