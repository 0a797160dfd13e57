import Hummingbird
import PortcullisCore

/// The request context of the verification API's route group: the caller's address and, once `APIKeyMiddleware` has
/// run, the API key it authenticated with and the request's parameters (form or JSON).
public struct APIRequestContext: ChildRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    public var clientIP: String
    public var apiKey: APIKey?
    /// The key's organization, read with it.
    public var organization: Organization?
    /// The request's parameters: an `application/x-www-form-urlencoded` or JSON object body, strings only.
    public var parameters: [String: String] = [:]

    public init(context: AppRequestContext) throws {
        self.coreContext = context.coreContext
        self.clientIP = context.clientIP
    }

    /// Bodies are small; refuse anything larger early.
    public var maxUploadSize: Int { 16 * 1024 }
}
