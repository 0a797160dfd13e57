import Foundation

/// A text message to send to a phone (E.164 number).
public struct SMSMessage: Sendable, Equatable {
    public var to: String
    public var body: String

    public init(to: String, body: String) {
        self.to = to
        self.body = body
    }
}

/// An email with a plain-text and an HTML part.
public struct EmailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var text: String
    public var html: String?

    public init(from: String, to: String, subject: String, text: String, html: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }
}

/// Why a message could not be sent (its kind), plus detail for the log that never contains the message body.
public struct DeliveryError: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The destination was refused (invalid or unreachable number or address).
        case invalidDestination
        /// The provider is down, timed out or answered with an error.
        case unavailable
        /// The provider refused our credentials or configuration.
        case misconfigured
        /// The provider throttled us.
        case rateLimited
    }

    public var kind: Kind
    /// Safe to log: status codes and provider error codes, never the message body or code.
    public var detail: String

    public init(_ kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }
}

/// Sends text messages (Twilio-compatible REST, a JSON webhook, or the development outbox).
public protocol SMSProvider: Sendable {
    func send(_ message: SMSMessage) async throws
}

/// Sends email (SMTP, or the development outbox).
public protocol EmailProvider: Sendable {
    func send(_ message: EmailMessage) async throws
}
