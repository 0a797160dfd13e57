import Hummingbird
import PortcullisCore

/// The context of the admin pages (`/admin`): a signed-in organization admin or operator. Others signed in get a
/// "administrators only" page; anyone else is sent to sign in. `AdminMiddleware` then asks for a recent second
/// factor and sets the organization being administered.
public struct AdminContext: ChildRequestContext, SessionPageContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public let browser: AppRequestContext
    public let session: Session
    /// The admin (or operator) acting.
    public let user: User
    /// The organization administered: the admin's own, or the one an operator chose.
    public var organization: Organization

    public init(context: AppRequestContext) throws {
        let signedIn = try SignedInContext(context: context)
        guard signedIn.user.isAdmin || signedIn.user.isOperator else {
            throw PageError.page(.forbidden, title: "Administrators only", message: "This page is for your organization's administrators.")
        }
        self.coreContext = context.coreContext
        self.browser = context
        self.session = signedIn.session
        self.user = signedIn.user
        self.organization = Organization(id: signedIn.user.organizationID, slug: "", name: "", createdAt: .distantPast)
    }

    public var maxUploadSize: Int { browser.maxUploadSize }

    /// Whom the services see acting: this admin, over their organization (or every one, for an operator).
    var scope: AdminScope { .administrator(user) }

    /// Operators manage every organization's tokens and the spare pool; organization admins their own.
    func canManage(_ token: HardwareToken) -> Bool {
        user.isOperator || (user.isAdmin && token.organizationID == user.organizationID)
    }
}
