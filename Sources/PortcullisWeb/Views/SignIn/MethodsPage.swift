/// The choice of another of the user's factors for the challenge (`methods`).
struct MethodsPage: PageView {
    static let template = "methods"
    let title = "Choose a method"
    let factors: [MethodChoiceView]
    /// The challenge's path, which each choice links to with `?factor=`.
    let action: String
}
