import Hummingbird
import NIOCore
import PortcullisCore

/// Per-request state: who is asking (session, user), from where, and the CSRF token for the forms on the page.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address (or the proxy's `X-Forwarded-For` hop when configured to trust it).
    public var clientIP: String
    public var session: Session?
    public var user: User?
    /// The random value in this browser's CSRF cookie: what form tokens and passkey challenges are bound to.
    public var browserID = ""
    /// The token every form must send back as `csrf`: issued by the server for this browser and session.
    public var csrfToken = ""
    /// The parsed `application/x-www-form-urlencoded` body of a POST, already CSRF-checked.
    public var form = FormData()
    /// What the previous request (a form post) handed this page across its redirect.
    public var flash: Flash?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientIP = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Form posts are small; refuse anything larger early.
    public var maxUploadSize: Int { 64 * 1024 }
}
