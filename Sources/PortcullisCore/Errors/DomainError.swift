/// What kind of failure an error is, which decides how each front answers it (HTTP status, CLI exit code).
public enum ErrorKind: String, Sendable, Equatable {
    /// The input cannot be used (a bad slug, a weak password, a malformed pattern).
    case invalid
    /// The caller is not signed in, or their sign-in ended.
    case unauthenticated
    /// What was named does not exist (or is not visible to the caller).
    case notFound
    /// The action clashes with the current state (taken name, token not in the inventory).
    case conflict
    /// A limit was reached; trying later may work.
    case limited
    /// A part the action needs (a provider, a setting) is down or missing.
    case unavailable
    /// The server is set up wrongly (configuration, keys).
    case misconfigured
    /// Stored data cannot be read; not the caller's fault.
    case failed
}

/// An error the domain reports: a stable code and the values its wording may quote, but no words. Each front words
/// it once, through the error catalog in the composition root (`ErrorCatalog`): an HTML page, an RFC 9457 problem
/// document, or one CLI line with an exit code.
public protocol DomainError: Error, Sendable {
    /// Stable and dotted (`token.not_found`); clients and tests match on it, so it is never reworded.
    var code: String { get }
    var kind: ErrorKind { get }
    /// Values the wording may quote (a serial, a username); never a secret.
    var arguments: [String: String] { get }
}

extension DomainError {
    public var arguments: [String: String] { [:] }
}
