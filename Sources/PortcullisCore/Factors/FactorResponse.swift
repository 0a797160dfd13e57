import Foundation

/// What the user answered at a challenge. Each front builds one from its own input (a form, an API call); each
/// factor type accepts the shapes that make sense for it and rejects the others as `FactorCheck.wrongResponse`.
public enum FactorResponse: Sendable, Equatable {
    /// A typed code: an authenticator app's, a token's, an SMS or email code, a backup code.
    case code(String)
    /// A grid pattern, drawn or typed as dot numbers ("1-5-9-6").
    case pattern(String)
    /// A WebAuthn assertion: the browser's JSON, and the single-use challenge this session was given for it.
    case assertion(WebAuthnAnswer)
    /// "I texted the code to your number": the live challenge's inbound SMS confirmation.
    case inboundConfirmation

    /// The typed text of a code or pattern answer, for factors that take either.
    var typedText: String? {
        switch self {
        case .code(let text), .pattern(let text): text
        case .assertion, .inboundConfirmation: nil
        }
    }
}

/// A security key's answer to a challenge.
public struct WebAuthnAnswer: Sendable, Equatable {
    /// `PublicKeyCredential` as JSON, as the browser returned it.
    public var assertionJSON: String
    /// The challenge bytes this session was issued (and that were taken, single use, before checking).
    public var challenge: [UInt8]
    /// Passkey sign-in without a password requires user verification whatever the policy says.
    public var requireUserVerification: Bool

    public init(assertionJSON: String, challenge: [UInt8], requireUserVerification: Bool = false) {
        self.assertionJSON = assertionJSON
        self.challenge = challenge
        self.requireUserVerification = requireUserVerification
    }
}
