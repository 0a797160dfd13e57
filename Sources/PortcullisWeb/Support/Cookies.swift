import Hummingbird

/// The names and attributes of Portcullis's cookies: HttpOnly, SameSite=Lax, Secure (and the `__Host-` prefix)
/// except in development over plain HTTP.
public struct CookieSettings: Sendable {
    public let secure: Bool

    public init(secure: Bool) {
        self.secure = secure
    }

    public var sessionName: String { secure ? "__Host-portcullis_session" : "portcullis_session" }
    public var csrfName: String { secure ? "__Host-portcullis_csrf" : "portcullis_csrf" }
    /// A "Forgot password" or "Unlock account" in progress (its token; the database keeps the hash).
    public var recoveryName: String { secure ? "__Host-portcullis_recovery" : "portcullis_recovery" }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A session cookie without Max-Age: it ends with the browser; the server enforces the real lifetime.
    func session(_ token: String) -> Cookie { cookie(sessionName, token) }
    func clearSession() -> Cookie { cookie(sessionName, "", maxAge: 0) }
    func csrf(_ token: String) -> Cookie { cookie(csrfName, token) }
    func recovery(_ token: String, maxAge: Int) -> Cookie { cookie(recoveryName, token, maxAge: maxAge) }
    func clearRecovery() -> Cookie { cookie(recoveryName, "", maxAge: 0) }
}
