/// An application on the portal.
struct ApplicationLinkView: Sendable {
    let name: String
    let url: String
}
