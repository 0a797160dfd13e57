/// The portal (`portal`): a welcome, the applications, and a nudge toward a second sign-in method.
struct PortalPage: PageView {
    static let template = "portal"
    let title = "Portal"
    let displayName: String
    let applications: [ApplicationLinkView]
    /// The user's sign-in methods besides backup codes, and the number recommended (the nudge shows while fewer).
    let factorCount: Int
    let recommended: Int
    let recommendMore: Bool
    /// "methods" rather than "method".
    let plural: Bool
    /// Shown when the password expires soon.
    let password: PasswordStatusView?
    var notice: Notice?

    init(displayName: String, applications: [ApplicationLinkView], factorCount: Int, recommended: Int, password: PasswordStatusView?,
         notice: Notice? = nil) {
        self.password = password?.expiresSoon == true ? password : nil
        self.notice = notice
        self.displayName = displayName
        self.applications = applications
        self.factorCount = factorCount
        self.recommended = recommended
        self.recommendMore = factorCount < recommended
        self.plural = factorCount != 1
    }
}
