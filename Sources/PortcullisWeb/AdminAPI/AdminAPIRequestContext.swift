import Hummingbird
import PortcullisCore

/// The request context of the admin REST API's route group (`/api/v1`): the caller's address and, once
/// `AdminAPIMiddleware` has run, the admin key it authenticated with.
public struct AdminAPIRequestContext: ChildRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public var clientIP: String
    /// The authenticated key and its organization (none for an operator-wide key).
    var caller: AdminAPICaller?

    public init(context: AppRequestContext) throws {
        self.coreContext = context.coreContext
        self.clientIP = context.clientIP
    }

    /// A seed file may be large: the document allows 4 MB of text, which JSON may escape to more.
    public var maxUploadSize: Int { 8 * 1024 * 1024 }
}
