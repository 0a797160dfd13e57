import Hummingbird
import PortcullisCore

/// The context of the pages behind sign-in (portal, settings, step-up): a signed-in session and its user; anyone
/// else is sent to the sign-in page.
public struct SignedInContext: ChildRequestContext, SessionPageContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let browser: AppRequestContext
    public let session: Session
    public let user: User

    public init(context: AppRequestContext) throws {
        guard let session = context.session, let user = context.user, session.stage == .signedIn else {
            throw PageError.redirect(context.session?.stage == .passwordChange ? "/login/password" : "/login")
        }
        self.coreContext = context.coreContext
        self.browser = context
        self.session = session
        self.user = user
    }

    public var maxUploadSize: Int { browser.maxUploadSize }
}
