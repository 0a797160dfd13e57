import Foundation
import Logging
import PortcullisCore

/// A message kept by the development outbox.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    public enum Kind: String, Sendable, Equatable {
        case sms, email
    }

    /// Increasing from 1 for the life of the outbox.
    public let id: Int
    public let kind: Kind
    public let to: String
    /// Emails only.
    public let subject: String?
    public let body: String
    public let time: Date
}

/// Development mode's stand-in for real delivery: keeps the last messages in memory for `/dev/outbox` and logs one
/// line per message, without its body.
public final class Outbox: @unchecked Sendable {
    public let capacity: Int
    private let logger: Logger
    private let clock: any WallClock
    private let lock = NSLock()
    private var stored: [OutboxMessage] = []
    private var lastID = 0

    public init(capacity: Int = 100, logger: Logger = Logger(label: "portcullis.outbox"), clock: any WallClock = SystemClock()) {
        self.capacity = max(1, capacity)
        self.logger = logger
        self.clock = clock
    }

    /// Stores a message (dropping the oldest beyond `capacity`) and logs that it arrived.
    @discardableResult
    public func add(kind: OutboxMessage.Kind, to: String, subject: String? = nil, body: String) -> OutboxMessage {
        let message = lock.withLock {
            lastID += 1
            let message = OutboxMessage(id: lastID, kind: kind, to: to, subject: subject, body: body, time: clock.now)
            stored.append(message)
            if stored.count > capacity { stored.removeFirst(stored.count - capacity) }
            return message
        }
        let noun = kind == .sms ? "message" : "email"
        logger.info("\(noun) to \(Self.mask(to)) placed in the development outbox, id \(message.id)")
        return message
    }

    /// The kept messages, newest first.
    public func messages() -> [OutboxMessage] {
        lock.withLock { stored.reversed() }
    }

    /// `+1•••12` for phone numbers, `j•••@example.com` for addresses.
    static func mask(_ destination: String) -> String {
        if let at = destination.lastIndex(of: "@") {
            return String(destination.prefix(1)) + "•••" + destination[at...]
        }
        if let phone = PhoneNumber.parse(country: "", number: destination) {
            return "+\(phone.callingCode)•••\(phone.e164.suffix(2))"
        }
        return String(destination.prefix(2)) + "•••" + String(destination.suffix(2))
    }
}

/// Puts text messages in the development outbox.
public struct OutboxSMSProvider: SMSProvider {
    public let outbox: Outbox

    public init(outbox: Outbox) {
        self.outbox = outbox
    }

    public func send(_ message: SMSMessage) async throws {
        outbox.add(kind: .sms, to: message.to, body: message.body)
    }
}

/// Puts emails (their plain-text part) in the development outbox.
public struct OutboxEmailProvider: EmailProvider {
    public let outbox: Outbox

    public init(outbox: Outbox) {
        self.outbox = outbox
    }

    public func send(_ message: EmailMessage) async throws {
        outbox.add(kind: .email, to: message.to, subject: message.subject, body: message.text)
    }
}
