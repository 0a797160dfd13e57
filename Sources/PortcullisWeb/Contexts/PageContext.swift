import Hummingbird
import PortcullisCore

/// What a page needs from its request, whatever route group it is in: the browser request's state (client address,
/// CSRF token, form, flash), read through `browser` or directly as members (`context.form`).
@dynamicMemberLookup
public protocol PageContext: RequestContext {
    /// The browser request this context was made from (itself, for `AppRequestContext`).
    var browser: AppRequestContext { get }
}

extension PageContext {
    public subscript<T>(dynamicMember keyPath: KeyPath<AppRequestContext, T>) -> T { browser[keyPath: keyPath] }
}

extension AppRequestContext: PageContext {
    public var browser: AppRequestContext { self }
}

/// A page context that always has a session and its user: the groups below check the session's stage once, when
/// the context is made, so their handlers never do.
public protocol SessionPageContext: PageContext {
    var session: Session { get }
    var user: User { get }
}
