import Hummingbird
import PortcullisApp
import PortcullisCore

/// A refusal the admin API makes itself rather than the domain (no key, a key that may not do this, a request it
/// cannot read, an operation not built yet): a stable code and its own status, worded by the error catalog and
/// answered like a domain error, as an RFC 9457 problem document.
struct AdminAPIProblem: Error, Sendable, Equatable {
    let status: HTTPResponse.Status
    let code: String
    var arguments: [String: String] = [:]

    /// No key, or an unknown, revoked or non-admin one.
    static let unauthenticated = Self(status: .unauthorized, code: "api.unauthenticated")
    /// The key may not do this: an organization key asking for the spare pool, another organization or an operator.
    static let forbidden = Self(status: .forbidden, code: "api.forbidden")
    /// Nothing of that id in the key's organization.
    static let notFound = Self(status: .notFound, code: "api.not_found")
    static let methodNotAllowed = Self(status: .methodNotAllowed, code: "api.method_not_allowed")
    static let tooLarge = Self(status: .contentTooLarge, code: "api.too_large")
    static let badCursor = Self(status: .badRequest, code: "api.invalid_cursor")

    /// The request cannot be read: malformed JSON, a value of the wrong type, an unknown member.
    static func badRequest(status: HTTPResponse.Status = .badRequest) -> Self { Self(status: status, code: "api.bad_request") }

    /// A parameter or member outside what the document allows (too long, out of range, not matching its pattern).
    static func badParameter(_ name: String) -> Self { Self(status: .badRequest, code: "api.invalid_parameter", arguments: ["name": name]) }

    /// `org` names no organization (an unknown parameter value: 400, not 404, since the path exists).
    static func unknownOrganization(_ slug: String) -> Self {
        Self(status: .badRequest, code: "organization.not_found", arguments: ["slug": slug])
    }

    /// A value that is well-formed but cannot be used (a due time in the past).
    static func invalid(_ name: String) -> Self { Self(status: .unprocessableContent, code: "api.invalid_value", arguments: ["name": name]) }

    /// The problem document, worded by the catalog.
    var document: ProblemDocument {
        ProblemDocument(ErrorCatalog.describe(code: code, kind: .invalid, arguments: arguments), status: status)
    }
}

extension AdminAPIProblem {
    /// A hardware token's factor is taken back by unassigning the token, not removed on its own.
    static let tokenFactor = Self(status: .conflict, code: "api.token_factor")

    /// The two codes are not consecutive codes of the token (nothing changed).
    static func resyncFailed(serial: String) -> Self {
        Self(status: .unprocessableContent, code: "token.resync_failed", arguments: ["serial": serial])
    }
}
