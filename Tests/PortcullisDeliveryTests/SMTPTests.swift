import Foundation
import Logging
import NIOCore
import NIOPosix
import PortcullisTestKit
import PortcullisTestSupport
import Testing

@testable import PortcullisDelivery

/// The SMTP provider against a real SMTP server (aiosmtpd from the project's .venv, started per test by
/// `smtp_server.py`), plus unit tests of the message text, reply parsing and configuration.
@Suite("SMTP")
struct SMTPTests {
    static let code = "493027"
    static let longLine = String(repeating: "0123456789", count: 200)
    static let text = """
        Your Portcullis code is \(code).
        .a line that starts with a dot
        ..two dots
        .
        \(longLine)
        Grüße aus Zürich – 日本語 🙂
        end
        """
    static let html = """
        <p>Your code is <b>\(code)</b></p>
        .dot at the start
        <p>\(longLine)</p>
        <p>Grüße – 日本語 🙂</p>
        """
    static let subject = "Your sign-in code – Ihr Anmeldecode für Zürich 🙂 日本語のコード"

    static func message(to: String = "alice@example.com", subject: String = subject, html: String? = html) -> EmailMessage {
        EmailMessage(from: "Portcullis <noreply@portcullis.test>", to: to, subject: subject, text: text, html: html)
    }

    static func configuration(
        port: Int, security: SMTPSettings.Security = .none, host: String = "127.0.0.1",
        username: String? = nil, password: String? = nil, trust: SMTPSettings.CertificateTrust = .systemRoots,
        replyTimeout: Duration = .seconds(10)
    ) -> SMTPSettings {
        SMTPSettings(
            host: host, port: port, security: security, username: username, password: password,
            from: "noreply@portcullis.test", heloName: "portcullis.test", connectTimeout: .seconds(5),
            replyTimeout: replyTimeout, certificateTrust: trust
        )
    }

    /// Sends and returns the DeliveryError it must throw.
    static func deliveryError(_ provider: SMTPEmailProvider, _ message: EmailMessage) async -> DeliveryError? {
        await #expect(throws: DeliveryError.self) { try await provider.send(message) }
    }

    // MARK: - Against aiosmtpd

    @Test("plain delivery: multipart text + HTML, dot lines, a 2000-character line, non-ASCII")
    func plainMultipart() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: server.port))
        try await provider.send(Self.message())
        try await provider.send(Self.message(to: "Bob Example <bob@example.com>", subject: "Plain", html: nil))

        let received = try server.received()
        try #require(received.count == 2)
        let first = received[0]
        #expect(first.mail_from == "noreply@portcullis.test")
        #expect(first.rcpt_tos == ["alice@example.com"])
        #expect(first.subject == Self.subject)
        #expect(first.from == "Portcullis <noreply@portcullis.test>")
        #expect(first.to == "alice@example.com")
        #expect(first.content_type == "multipart/alternative")
        #expect(first.mime_version == "1.0")
        #expect(first.text == Self.text)
        #expect(first.html == Self.html)
        #expect(first.date.hasSuffix("+0000"))
        #expect(first.message_id.hasPrefix("<") && first.message_id.hasSuffix("@portcullis.test>"))
        #expect(first.max_line <= 998)
        #expect(first.auth == nil)
        #expect(first.tls == false)

        let second = received[1]
        #expect(second.rcpt_tos == ["bob@example.com"])
        #expect(second.to == "Bob Example <bob@example.com>")
        #expect(second.subject == "Plain")
        #expect(second.content_type == "text/plain")
        #expect(second.text == Self.text)
        #expect(second.html == nil)
    }

    @Test("STARTTLS with a self-signed certificate trusted through the CA file, AUTH PLAIN")
    func startTLSAuthPlain() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await SMTPTestServer.start(mode: "starttls", certificate: certificate, user: "mailer", password: "s3cret pass")
        defer { server.stop() }
        let logs = LogCapture()
        let provider = try SMTPEmailProvider(
            configuration: Self.configuration(
                port: server.port, security: .startTLS, host: "localhost", username: "mailer", password: "s3cret pass",
                trust: .caFile(certificate.certificatePath)
            ),
            logger: logs.logger(label: "test.smtp")
        )
        try await provider.send(Self.message())
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].tls)
        #expect(received[0].auth == .init(mechanism: "PLAIN", login: "mailer", password: "s3cret pass"))
        #expect(received[0].text == Self.text)
        #expect(received[0].subject == Self.subject)

        // The debug log has the verbs and codes of the conversation, never credentials or content.
        let logged = logs.text
        for expected in ["EHLO", "STARTTLS", "AUTH PLAIN", "MAIL FROM", "RCPT TO", "DATA", "QUIT", "220", "235", "250", "354"] {
            #expect(logged.contains(expected), "log lacks \(expected)")
        }
        for secret in ["s3cret", Data("\0mailer\0s3cret pass".utf8).base64EncodedString(), Self.code, "alice@example.com"] {
            #expect(!logged.contains(secret))
        }
    }

    @Test("STARTTLS with AUTH LOGIN when the server does not offer PLAIN")
    func startTLSAuthLogin() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await SMTPTestServer.start(
            mode: "starttls", certificate: certificate, user: "mailer", password: "pässwörd", onlyLogin: true
        )
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, host: "localhost", username: "mailer", password: "pässwörd",
            trust: .caFile(certificate.certificatePath)
        ))
        try await provider.send(Self.message())
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].tls)
        #expect(received[0].auth == .init(mechanism: "LOGIN", login: "mailer", password: "pässwörd"))
        #expect(received[0].html == Self.html)
    }

    @Test("implicit TLS with AUTH PLAIN")
    func implicitTLS() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await SMTPTestServer.start(mode: "tls", certificate: certificate, user: "mailer", password: "pw")
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .tls, host: "localhost", username: "mailer", password: "pw",
            trust: .caFile(certificate.certificatePath)
        ))
        try await provider.send(Self.message())
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].tls)
        #expect(received[0].auth?.mechanism == "PLAIN")
        #expect(received[0].text == Self.text)
    }

    @Test("credentials over plain TCP only when security is none explicitly")
    func authOverPlainWhenExplicitlyNone() async throws {
        let server = try await SMTPTestServer.start(user: "relay", password: "pw")
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .none, username: "relay", password: "pw"
        ))
        try await provider.send(Self.message(html: nil))
        let received = try server.received()
        try #require(received.count == 1)
        #expect(received[0].auth?.login == "relay")
        #expect(received[0].tls == false)
    }

    @Test("wrong password → misconfigured, and the detail holds neither password nor body")
    func wrongPassword() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await SMTPTestServer.start(mode: "starttls", certificate: certificate, user: "mailer", password: "right")
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, host: "localhost", username: "mailer", password: "wrong-Pa55",
            trust: .caFile(certificate.certificatePath)
        ))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .misconfigured)
        #expect(error?.detail.contains("535") == true)
        #expect(error?.detail.contains("wrong-Pa55") == false)
        #expect(error?.detail.contains(Self.code) == false)
        #expect(try server.received().isEmpty)
    }

    @Test("an untrusted certificate fails the TLS handshake (misconfigured)")
    func untrustedCertificate() async throws {
        let certificate = try TestCertificate.make()
        defer { certificate.remove() }
        let server = try await SMTPTestServer.start(mode: "starttls", certificate: certificate, user: "mailer", password: "pw")
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, host: "localhost", username: "mailer", password: "pw"
        ))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .misconfigured)
        #expect(error?.detail.contains("TLS") == true)
        #expect(try server.received().isEmpty)

        // Skipping verification (tests and development only) gets through.
        let insecure = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, host: "localhost", username: "mailer", password: "pw",
            trust: .insecureSkipVerification
        ))
        try await insecure.send(Self.message())
        #expect(try server.received().count == 1)
    }

    @Test("STARTTLS required but not offered → misconfigured, nothing sent")
    func startTLSNotOffered() async throws {
        let server = try await SMTPTestServer.start(user: "mailer", password: "pw")
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, username: "mailer", password: "pw"
        ))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .misconfigured)
        #expect(error?.detail.contains("STARTTLS") == true)
        #expect(try server.received().isEmpty)
    }

    @Test("a refused recipient → invalidDestination")
    func refusedRecipient() async throws {
        let server = try await SMTPTestServer.start(reject: ["nobody@example.com"])
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: server.port))
        let error = await Self.deliveryError(provider, Self.message(to: "nobody@example.com"))
        #expect(error?.kind == .invalidDestination)
        #expect(error?.detail.contains("550") == true)
        #expect(error?.detail.contains(Self.code) == false)
        #expect(try server.received().isEmpty)
    }

    @Test("nothing listening → unavailable")
    func nothingListening() async throws {
        let port = try await freePort()
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: port))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .unavailable)
    }

    @Test("a server that accepts and stays silent → unavailable within the reply timeout")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(server.localAddress?.port)
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: port, replyTimeout: .seconds(1)))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await Self.deliveryError(provider, Self.message())
        let elapsed = clock.now - start
        try? await server.close()
        #expect(error?.kind == .unavailable)
        #expect(error?.detail.contains("did not answer") == true)
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(20), "it gave up instead of hanging")
    }

    @Test("CR or LF in the subject or an address is refused before connecting")
    func headerInjection() async throws {
        // Nothing listens on this port: a refusal that comes from validation is not `.unavailable`.
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: try await freePort()))
        for subject in ["Code\r\nBcc: victim@example.com", "Code\nX-Evil: 1", "Code\r"] {
            let error = await Self.deliveryError(provider, Self.message(subject: subject))
            #expect(error?.kind == .misconfigured)
            #expect(error?.detail.contains("subject") == true)
        }
        let error = await Self.deliveryError(provider, Self.message(to: "alice@example.com\r\nRCPT TO:<eve@example.com>"))
        #expect(error?.kind == .invalidDestination)
        var badFrom = Self.message()
        badFrom.from = "noreply@portcullis.test\nBcc: eve@example.com"
        #expect(await Self.deliveryError(provider, badFrom)?.kind == .misconfigured)
        #expect(await Self.deliveryError(provider, Self.message(to: "not an address"))?.kind == .invalidDestination)
    }

    @Test(
        "refusing replies map to DeliveryError kinds",
        arguments: [
            ("greeting", "554 5.3.2 No service\r\n", DeliveryError.Kind.unavailable),
            ("greeting", "421 4.3.2 Try later\r\n", .unavailable),
            ("EHLO", "421 4.3.2 Shutting down\r\n", .unavailable),
            ("MAIL", "530 5.7.0 Authentication required\r\n", .misconfigured),
            ("MAIL", "553 5.7.1 Sender not allowed\r\n", .misconfigured),
            ("RCPT", "553 5.1.3 Bad recipient address syntax\r\n", .invalidDestination),
            ("RCPT", "450 4.2.1 Mailbox busy\r\n", .unavailable),
            ("RCPT", "451 4.3.0 Try later\r\n", .unavailable),
            ("RCPT", "452 4.5.3 Too many recipients\r\n", .unavailable),
            ("DATA", "554 5.5.1 No valid recipients\r\n", .unavailable),
            (".", "552 5.3.4 Message too big\r\n", .unavailable),
            ("RCPT", "not an SMTP reply\r\n", .unavailable),
        ]
    )
    func replyMapping(step: String, reply: String, kind: DeliveryError.Kind) async throws {
        let server = try await ScriptedSMTPServer.start(script: [step: reply])
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: server.port))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == kind)
        if reply.first?.isNumber == true { #expect(error?.detail.contains(String(reply.prefix(3))) == true) }
        #expect(error?.detail.contains(Self.code) == false)
    }

    @Test("HELO when EHLO is refused, multi-line greeting, no QUIT answer needed")
    func heloFallback() async throws {
        let server = try await ScriptedSMTPServer.start(script: [
            "greeting": "220-mail.example.com\r\n220-welcome\r\n220 ready\r\n",
            "EHLO": "502 5.5.2 Command not recognized\r\n",
            "QUIT": "",
        ])
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(port: server.port, replyTimeout: .seconds(2)))
        try await provider.send(Self.message())
        #expect(server.commands.verbs == ["EHLO", "HELO", "MAIL", "RCPT", "DATA", ".", "QUIT"])
    }

    @Test("data after the STARTTLS reply (response injection) is refused")
    func startTLSInjection() async throws {
        let server = try await ScriptedSMTPServer.start(script: [
            "EHLO": "250-localhost\r\n250 STARTTLS\r\n",
            "STARTTLS": "220 Go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n",
        ])
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .startTLS, username: "mailer", password: "pw", trust: .insecureSkipVerification
        ))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .unavailable)
        #expect(error?.detail.contains("after its STARTTLS reply") == true)
        #expect(server.commands.verbs == ["EHLO", "STARTTLS"])
    }

    @Test("credentials but no AUTH PLAIN or LOGIN offered → misconfigured, and no AUTH sent")
    func noSupportedMechanism() async throws {
        let server = try await ScriptedSMTPServer.start(script: ["EHLO": "250-localhost\r\n250 AUTH CRAM-MD5 XOAUTH2\r\n"])
        defer { server.stop() }
        let provider = try SMTPEmailProvider(configuration: Self.configuration(
            port: server.port, security: .none, username: "mailer", password: "pw"
        ))
        let error = await Self.deliveryError(provider, Self.message())
        #expect(error?.kind == .misconfigured)
        #expect(error?.detail.contains("CRAM-MD5") == true)
        #expect(!server.commands.verbs.contains("AUTH"))
    }
}
