/// Why a security key could not be registered; worded by each front through the error catalog.
public enum WebAuthnRegistrationProblem: DomainError, Equatable {
    /// The ceremony's challenge expired, was used, or belongs to another session.
    case expired
    /// The browser's answer could not be decoded.
    case unreadable
    /// The server has no relying party (no usable `PORTCULLIS_BASE_URL`).
    case notConfigured
    /// The attestation failed a check; `reason` is the check's name, safe to show and log.
    case rejected(String)
    /// The same credential is registered already.
    case alreadyRegistered

    public var code: String {
        switch self {
        case .expired: "webauthn.challenge_expired"
        case .unreadable: "webauthn.unreadable"
        case .notConfigured: "webauthn.not_configured"
        case .rejected: "webauthn.rejected"
        case .alreadyRegistered: "webauthn.already_registered"
        }
    }

    public var kind: ErrorKind {
        switch self {
        case .expired, .unreadable, .rejected: .invalid
        case .notConfigured: .misconfigured
        case .alreadyRegistered: .conflict
        }
    }

    public var arguments: [String: String] {
        if case .rejected(let reason) = self { return ["reason": reason] }
        return [:]
    }
}
