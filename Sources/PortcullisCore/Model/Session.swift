import Foundation
import PortcullisCrypto

/// How far a browser session has come through sign-in.
public enum SessionStage: String, Sendable, Codable {
    /// The password was right; a second factor (or enrollment) is still owed.
    case secondFactor = "second_factor"
    /// Fully signed in.
    case signedIn = "signed_in"
    /// Both factors answered, but the password must be replaced before anything else (an administrator's temporary
    /// password, or one past the policy's maximum age).
    case passwordChange = "password_change"
}

/// A server-side session. Only the SHA-256 of `token` is stored, so a copy of the database opens no session.
public struct Session: Sendable, Equatable {
    /// The 256-bit random value in the cookie; never stored.
    public var token: String
    public var userID: String
    public var organizationID: String
    public var stage: SessionStage
    /// Authentication methods used so far (RFC 8176 `amr` values: `pwd`, `otp`, …).
    public var amr: [String]
    public var createdAt: Date
    public var lastSeenAt: Date
    /// The absolute end of the session, whatever the activity.
    public var expiresAt: Date
    /// When a second factor was last answered in this session (at sign-in or a step-up); security changes need it
    /// recent.
    public var verifiedAt: Date?
    /// A sealed `Flash` for the next page, if one is waiting.
    public var sealedFlash: Data?
    /// The browser the sign-in began in, when the front knows one (web pages do).
    public var browser: SessionBrowser?

    public init(token: String, userID: String, organizationID: String, stage: SessionStage, amr: [String],
                createdAt: Date, lastSeenAt: Date, expiresAt: Date, verifiedAt: Date? = nil, sealedFlash: Data? = nil,
                browser: SessionBrowser? = nil) {
        self.token = token
        self.userID = userID
        self.organizationID = organizationID
        self.stage = stage
        self.amr = amr
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.verifiedAt = verifiedAt
        self.sealedFlash = sealedFlash
        self.browser = browser
    }
}

extension Session {
    /// What single-use ceremony challenges (WebAuthn) are bound to: this session, without storing its token.
    public var binding: String { "session:" + Hex.sha256(token) }
}
