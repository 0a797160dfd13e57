import PortcullisCore

/// An error as a front shows it: its stable code and kind (which decide the HTTP status or exit code) and one sentence
/// for people.
public struct ErrorDescription: Sendable, Equatable {
    public var code: String
    public var kind: ErrorKind
    public var message: String

    public init(code: String, kind: ErrorKind, message: String) {
        self.code = code
        self.kind = kind
        self.message = message
    }
}
