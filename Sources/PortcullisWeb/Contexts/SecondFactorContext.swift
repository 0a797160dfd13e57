import Hummingbird
import PortcullisCore

/// The context of the sign-in step after the password: a session that owes its second factor (`/login/challenge`,
/// `/login/methods`, `/login/enroll`). Anyone else is sent to sign in, or to the portal when already signed in.
public struct SecondFactorContext: ChildRequestContext, SessionPageContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let browser: AppRequestContext
    public let session: Session
    public let user: User

    public init(context: AppRequestContext) throws {
        guard let session = context.session, let user = context.user else { throw PageError.redirect("/login") }
        guard session.stage == .secondFactor else { throw PageError.redirect(session.stage == .passwordChange ? "/login/password" : "/portal") }
        self.coreContext = context.coreContext
        self.browser = context
        self.session = session
        self.user = user
    }

    public var maxUploadSize: Int { browser.maxUploadSize }
}
