import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Sends email through an SMTP server, one connection per message (SPEC §3, delivery providers).
///
/// The conversation: 220 greeting, EHLO (HELO if refused), STARTTLS and EHLO again when configured, AUTH PLAIN (or
/// LOGIN when PLAIN is not offered) when credentials are set, MAIL FROM, RCPT TO, DATA, QUIT. Credentials go only over
/// TLS unless the configuration says `.none` explicitly. Failures are `DeliveryError`s whose detail names the step
/// and the reply code, never the message body or the password.
public struct SMTPEmailProvider: EmailProvider {
    public let configuration: SMTPSettings
    private let tlsContext: NIOSSLContext?
    private let group: any EventLoopGroup
    private let logger: Logger

    /// Prepares the TLS context (reading the CA file, if any) up front.
    /// - Throws: `DeliveryError` `.misconfigured` when the CA file cannot be read or the TLS set-up fails.
    public init(
        configuration: SMTPSettings,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "portcullis.smtp")
    ) throws {
        self.configuration = configuration
        self.group = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
        guard configuration.security != .none else {
            tlsContext = nil
            return
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch configuration.certificateTrust {
        case .systemRoots:
            break
        case .caFile(let path):
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(path)
                guard !certificates.isEmpty else { throw DeliveryError(.misconfigured, detail: "no certificate") }
                tls.trustRoots = .certificates(certificates)
            } catch {
                throw DeliveryError(.misconfigured, detail: "cannot read a PEM certificate from the SMTP CA file \(path)")
            }
        case .insecureSkipVerification:
            tls.certificateVerification = .none
        }
        do {
            tlsContext = try NIOSSLContext(configuration: tls)
        } catch {
            throw DeliveryError(.misconfigured, detail: "cannot set up TLS for SMTP: \(error)")
        }
    }

    public func send(_ message: EmailMessage) async throws {
        // Validates addresses and subject before any connection (header injection is refused here).
        let mime = try MIMEMessage(message, defaultFrom: configuration.from)
        guard !configuration.heloName.isEmpty,
              !configuration.heloName.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F })
        else { throw DeliveryError(.misconfigured, detail: "the SMTP HELO name must be a host name without spaces") }
        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.connect(
                host: configuration.host,
                port: configuration.port,
                implicitTLS: configuration.security == .tls ? tlsContext : nil,
                serverHostname: serverHostname,
                connectTimeout: Self.timeAmount(configuration.connectTimeout),
                replyTimeout: Self.timeAmount(configuration.replyTimeout),
                group: group,
                logger: logger
            )
        } catch {
            logger.debug("SMTP connect failed", metadata: ["error": "\(error)"])
            throw DeliveryError(.unavailable, detail: "cannot connect to SMTP server \(server): \(error)")
        }
        var step = Step.greeting
        do {
            try await converse(connection, mime: mime, step: &step)
            await connection.close()
        } catch {
            await connection.close()
            let failure = deliveryError(error, step: step)
            logger.debug("SMTP delivery failed", metadata: ["error": "\(failure.detail)"])
            throw failure
        }
    }

    // MARK: - The conversation

    /// Where the conversation was, for error details and mapping.
    enum Step: String {
        case greeting = "greeting"
        case ehlo = "EHLO"
        case helo = "HELO"
        case startTLS = "STARTTLS"
        case auth = "AUTH"
        case mailFrom = "MAIL FROM"
        case rcptTo = "RCPT TO"
        case data = "DATA"
        case message = "end of data"
    }

    /// A reply that ends the conversation.
    struct RejectedReply: Error {
        var reply: SMTPReply
    }

    private func converse(_ connection: SMTPConnection, mime: MIMEMessage, step: inout Step) async throws {
        func expect(_ reply: SMTPReply, _ codes: Set<Int>) throws {
            guard codes.contains(reply.code) else { throw RejectedReply(reply: reply) }
        }

        step = .greeting
        try expect(try await connection.readReply(), [220])

        var extensions = try await hello(connection, step: &step)

        if configuration.security == .startTLS {
            guard extensions["STARTTLS"] != nil else {
                throw DeliveryError(.misconfigured, detail: "SMTP server \(server) does not offer STARTTLS")
            }
            step = .startTLS
            try expect(try await connection.command("STARTTLS", verb: "STARTTLS"), [220])
            guard let tlsContext else { preconditionFailure("TLS context exists unless security is none") }
            try await connection.startTLS(context: tlsContext, serverHostname: serverHostname)
            extensions = try await hello(connection, step: &step)
        }

        if let username = configuration.username, let password = configuration.password {
            step = .auth
            try await authenticate(connection, username: username, password: password, extensions: extensions)
        }

        step = .mailFrom
        try expect(try await connection.command("MAIL FROM:<\(mime.from.address)>", verb: "MAIL FROM"), [250])
        step = .rcptTo
        try expect(try await connection.command("RCPT TO:<\(mime.to.address)>", verb: "RCPT TO"), [250, 251])
        step = .data
        try expect(try await connection.command("DATA", verb: "DATA"), [354])
        step = .message
        try expect(try await connection.sendData(mime.smtpData()), [250])

        // The message is accepted; a missing or odd answer to QUIT changes nothing.
        _ = try? await connection.command("QUIT", verb: "QUIT", timeout: min(.seconds(5), Self.timeAmount(configuration.replyTimeout)))
    }

    /// EHLO, or HELO when the server refuses EHLO; returns the offered extensions (none after HELO).
    private func hello(_ connection: SMTPConnection, step: inout Step) async throws -> [String: [String]] {
        step = .ehlo
        let reply = try await connection.command("EHLO \(configuration.heloName)", verb: "EHLO")
        if reply.code == 250 { return reply.extensions }
        guard reply.isPermanentFailure else { throw RejectedReply(reply: reply) }
        step = .helo
        let helo = try await connection.command("HELO \(configuration.heloName)", verb: "HELO")
        guard helo.code == 250 else { throw RejectedReply(reply: helo) }
        return [:]
    }

    private func authenticate(
        _ connection: SMTPConnection, username: String, password: String, extensions: [String: [String]]
    ) async throws {
        let mechanisms = Set(extensions["AUTH"] ?? [])
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            var reply = try await connection.command("AUTH PLAIN \(base64("\0\(username)\0\(password)"))", verb: "AUTH PLAIN")
            if reply.code == 334 {
                // A server that ignored the initial response asks again.
                reply = try await connection.command(base64("\0\(username)\0\(password)"), verb: "AUTH PLAIN response")
            }
            guard reply.code == 235 else { throw RejectedReply(reply: reply) }
        } else if mechanisms.contains("LOGIN") {
            var reply = try await connection.command("AUTH LOGIN", verb: "AUTH LOGIN")
            guard reply.code == 334 else { throw RejectedReply(reply: reply) }
            reply = try await connection.command(base64(username), verb: "AUTH LOGIN username")
            guard reply.code == 334 else { throw RejectedReply(reply: reply) }
            reply = try await connection.command(base64(password), verb: "AUTH LOGIN password")
            guard reply.code == 235 else { throw RejectedReply(reply: reply) }
        } else {
            let offered = mechanisms.isEmpty ? "none" : mechanisms.sorted().joined(separator: " ")
            throw DeliveryError(
                .misconfigured,
                detail: "SMTP server \(server) offers no AUTH PLAIN or LOGIN (offered: \(offered)) but credentials are configured"
            )
        }
    }

    // MARK: - Errors

    private func deliveryError(_ error: any Error, step: Step) -> DeliveryError {
        switch error {
        case let error as DeliveryError:
            return DeliveryError(error.kind, detail: redacted(error.detail))
        case let rejected as RejectedReply:
            return replyError(rejected.reply, step: step)
        case let error as SMTPConnectionError:
            switch error {
            case .timeout:
                return DeliveryError(
                    .unavailable,
                    detail: "SMTP server \(server) did not answer within \(configuration.replyTimeout) (at \(step.rawValue))"
                )
            case .closed:
                return DeliveryError(.unavailable, detail: "SMTP server \(server) closed the connection (at \(step.rawValue))")
            case .protocolViolation(let what):
                return DeliveryError(.unavailable, detail: "SMTP server \(server) broke the protocol: \(what) (at \(step.rawValue))")
            case .channel(let underlying):
                if underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError {
                    return DeliveryError(
                        .misconfigured,
                        detail: redacted("TLS with SMTP server \(server) failed (at \(step.rawValue)): \(underlying)")
                    )
                }
                return DeliveryError(
                    .unavailable, detail: redacted("connection to SMTP server \(server) failed (at \(step.rawValue)): \(underlying)")
                )
            }
        default:
            return DeliveryError(.unavailable, detail: redacted("SMTP delivery via \(server) failed (at \(step.rawValue)): \(error)"))
        }
    }

    /// Maps a refusing reply: 4xx → unavailable; authentication and sender problems → misconfigured; a refused
    /// recipient (550, 551, 553, 501) → invalidDestination; anything else → unavailable.
    private func replyError(_ reply: SMTPReply, step: Step) -> DeliveryError {
        // After AUTH the server's words are left out: some echo what they were sent.
        let text = step == .auth ? "" : " " + reply.safeText()
        let detail = redacted("SMTP server \(server) answered \(reply.code) to \(step.rawValue)\(text)")
        let kind: DeliveryError.Kind
        switch (step, reply.code) {
        case (_, 400..<500) where reply.code != 432:
            kind = .unavailable
        case (.greeting, _):
            kind = .unavailable
        case (.auth, _), (_, 530), (_, 432), (_, 534), (_, 535), (_, 538):
            kind = .misconfigured
        case (.startTLS, 500..<600):
            kind = .misconfigured
        case (.mailFrom, 501), (.mailFrom, 550), (.mailFrom, 553), (.mailFrom, 555):
            kind = .misconfigured
        case (.rcptTo, 501), (.rcptTo, 550), (.rcptTo, 551), (.rcptTo, 553):
            kind = .invalidDestination
        default:
            kind = .unavailable
        }
        return DeliveryError(kind, detail: detail)
    }

    /// Belt and braces: the password (and its base64 forms) never leave in a detail string.
    private func redacted(_ text: String) -> String {
        guard let password = configuration.password, !password.isEmpty else { return text }
        var result = text.replacingOccurrences(of: password, with: "<redacted>")
        result = result.replacingOccurrences(of: Data(password.utf8).base64EncodedString(), with: "<redacted>")
        if let username = configuration.username {
            result = result.replacingOccurrences(
                of: Data("\0\(username)\0\(password)".utf8).base64EncodedString(), with: "<redacted>"
            )
        }
        return result
    }

    // MARK: - Helpers

    private var server: String { "\(configuration.host):\(configuration.port)" }

    /// SNI and the name the certificate must carry; nil for an IP address (the certificate must then name the IP).
    private var serverHostname: String? {
        let host = configuration.host
        let isIPv4 = host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
        return isIPv4 || host.contains(":") ? nil : host
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
