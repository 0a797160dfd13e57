/// The signed-in user, as the layout's navigation shows them.
struct SignedInUserView: Sendable {
    let displayName: String
    /// Whether the navigation links to the admin pages (organization admins and operators).
    let isAdmin: Bool
}
