import Hummingbird

/// The context of provider callbacks (`/webhooks/…`): no session and no CSRF token (no browser posts them); the
/// provider's signature, checked by the group's middleware, is their authentication. Holds the verified form.
public struct WebhookRequestContext: ChildRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    /// The callback's form parameters, set once its signature verified.
    public var form = FormData()

    public init(context: AppRequestContext) throws {
        self.coreContext = context.coreContext
    }

    /// Callbacks are small; refuse anything larger early.
    public var maxUploadSize: Int { 64 * 1024 }
}
