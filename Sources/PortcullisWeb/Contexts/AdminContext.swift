import Hummingbird
import PortcullisCore

/// The context of the admin pages (`/admin`): a signed-in organization admin or operator. Others signed in get a
/// "administrators only" page; anyone else is sent to sign in.
public struct AdminContext: ChildRequestContext, SessionPageContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let browser: AppRequestContext
    public let session: Session
    /// The admin (or operator) acting.
    public let user: User

    public init(context: AppRequestContext) throws {
        let signedIn = try SignedInContext(context: context)
        guard signedIn.user.isAdmin || signedIn.user.isOperator else {
            throw PageError.page(.forbidden, title: "Administrators only", message: "This page is for your organization's administrators.")
        }
        self.coreContext = context.coreContext
        self.browser = context
        self.session = signedIn.session
        self.user = signedIn.user
    }

    public var maxUploadSize: Int { browser.maxUploadSize }

    /// Operators manage every organization's tokens and the spare pool; organization admins their own.
    func canManage(_ token: HardwareToken) -> Bool {
        user.isOperator || (user.isAdmin && token.organizationID == user.organizationID)
    }
}
