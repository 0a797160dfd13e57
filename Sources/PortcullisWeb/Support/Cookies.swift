import Foundation
import Hummingbird
import PortcullisCore

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
    /// The remembered-device cookie (`RememberedDeviceCookie`): a series id and a counter token.
    public var deviceName: String { secure ? "__Host-portcullis_device" : "portcullis_device" }

    /// The browser cookie (`SessionBrowser`): a random id, kept for `browserMaxAge`, by which a sign-in from a new
    /// browser is told to the user. It proves nothing.
    public var browserName: String { secure ? "__Host-portcullis_browser" : "portcullis_browser" }
    /// 400 days, the longest lifetime browsers grant a cookie.
    static let browserMaxAge = 400 * 86_400

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// A session cookie without Max-Age: it ends with the browser; the server enforces the real lifetime.
    func session(_ token: String) -> Cookie { cookie(sessionName, token) }
    func clearSession() -> Cookie { cookie(sessionName, "", maxAge: 0) }
    func csrf(_ token: String) -> Cookie { cookie(csrfName, token) }
    func recovery(_ token: String, maxAge: Int) -> Cookie { cookie(recoveryName, token, maxAge: maxAge) }
    func clearRecovery() -> Cookie { cookie(recoveryName, "", maxAge: 0) }
    func browser(_ id: String) -> Cookie { cookie(browserName, id, maxAge: Self.browserMaxAge) }
    /// The remembered-device cookie as a step left it: set until the device expires (Max-Age), or cleared.
    func device(_ change: DeviceCookieChange, now: Date) -> Cookie {
        switch change {
        case .set(let value, let expiresAt): cookie(deviceName, value, maxAge: max(1, Int(expiresAt.timeIntervalSince(now).rounded(.down))))
        case .clear: cookie(deviceName, "", maxAge: 0)
        }
    }
}
