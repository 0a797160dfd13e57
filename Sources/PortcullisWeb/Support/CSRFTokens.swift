import Crypto
import PortcullisCore
import PortcullisCrypto

/// Issues and checks the CSRF tokens put into forms: HMAC-SHA256, under a server key, of the random value in the
/// browser's CSRF cookie and, when there is one, the session's binding. Only the server can make a token, a token
/// works only in the browser it was issued to, and it stops working when the session changes (each sign-in step
/// issues a new session token).
struct CSRFTokens: Sendable {
    /// The key's bytes (`SymmetricKey` is not `Sendable`).
    private let material: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: material) }

    init(key: SymmetricKey) {
        self.material = key.withUnsafeBytes { Array($0) }
    }

    /// The token for forms shown to the browser whose cookie holds `browser`, in `session` (nil before sign-in).
    func token(browser: String, session: Session?) -> String {
        let message = "portcullis-csrf-v1\u{0}" + browser + "\u{0}" + (session?.binding ?? "no-session")
        return Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }

    /// Whether `sent` is the token for this browser and session (compared in constant time).
    func isValid(_ sent: String, browser: String, session: Session?) -> Bool {
        constantTimeEquals(sent, token(browser: browser, session: session))
    }

    /// Whether a cookie value looks like one the server made (32 random bytes, base64url): anything else is replaced.
    static func isWellFormedBrowserValue(_ value: String) -> Bool {
        value.utf8.count == 43 && Base64URL.decode(value)?.count == 32
    }
}

extension CSRFTokens: CustomStringConvertible, CustomReflectable {
    /// Never prints the key, whoever logs this value.
    var description: String { "CSRFTokens()" }
    var customMirror: Mirror { Mirror(self, children: []) }
}
