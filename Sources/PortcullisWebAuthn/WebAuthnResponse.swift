import Foundation

/// What the browser sends back from `navigator.credentials.create()`, binary members base64url-encoded (the shape of
/// WebAuthn Level 3's `PublicKeyCredential.toJSON()`).
public struct WebAuthnRegistrationResponse: WebAuthnBrowserJSON {
    public struct Response: Decodable, Sendable {
        public var clientDataJSON: String
        public var attestationObject: String
        public var transports: [String]?
    }
    public var id: String
    public var type: String
    public var response: Response
}

/// What the browser sends back from `navigator.credentials.get()`, binary members base64url-encoded.
public struct WebAuthnAssertionResponse: WebAuthnBrowserJSON {
    public struct Response: Decodable, Sendable {
        public var clientDataJSON: String
        public var authenticatorData: String
        public var signature: String
        public var userHandle: String?
    }
    public var id: String
    public var type: String
    public var response: Response
}

/// A ceremony result as the page script posts it.
public protocol WebAuthnBrowserJSON: Decodable, Sendable {}

extension WebAuthnBrowserJSON {
    /// Decodes the browser's JSON; nil for anything malformed or over 64 KiB.
    public static func decode(_ json: String) -> Self? {
        guard json.utf8.count <= 64 * 1024 else { return nil }
        return try? JSONDecoder().decode(Self.self, from: Data(json.utf8))
    }
}
