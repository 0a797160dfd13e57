import Hummingbird
import PortcullisCore

/// The context of the one page a `passwordChange` session may open (`/login/password`): both factors are answered
/// but the password must be replaced first. Anyone else is sent to sign in, or to the portal when signed in.
public struct PasswordChangeContext: ChildRequestContext, SessionPageContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let browser: AppRequestContext
    public let session: Session
    public let user: User

    public init(context: AppRequestContext) throws {
        guard let session = context.session, let user = context.user else { throw PageError.redirect("/login") }
        guard session.stage == .passwordChange else { throw PageError.redirect(session.stage == .signedIn ? "/portal" : "/login") }
        self.coreContext = context.coreContext
        self.browser = context
        self.session = session
        self.user = user
    }

    public var maxUploadSize: Int { browser.maxUploadSize }
}
