import Foundation
import Logging
import NIOCore
import NIOPosix
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
        port: Int, security: SMTPConfiguration.Security = .none, host: String = "127.0.0.1",
        username: String? = nil, password: String? = nil, trust: SMTPConfiguration.CertificateTrust = .systemRoots,
        replyTimeout: Duration = .seconds(10)
    ) -> SMTPConfiguration {
        SMTPConfiguration(
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
        #expect(elapsed < .seconds(5))
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

    // MARK: - Message text, without a server

    @Test("the message text: CRLF only, short lines, base64 parts that decode to the original")
    func mimeRendering() throws {
        let date = Date(timeIntervalSince1970: 1_709_647_381)  // Tue, 05 Mar 2024 14:03:01 UTC
        let mime = try MIMEMessage(Self.message(), defaultFrom: "x@y.test", date: date, messageID: "<id@portcullis.test>", boundary: "=_b")
        let rendered = mime.render()
        let bytes = Array(rendered.utf8)
        #expect(bytes.allSatisfy { $0 < 0x80 })
        for (index, byte) in bytes.enumerated() where byte == 10 { #expect(index > 0 && bytes[index - 1] == 13) }
        for (index, byte) in bytes.enumerated() where byte == 13 { #expect(index + 1 < bytes.count && bytes[index + 1] == 10) }
        let lines = rendered.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.contains("Date: Tue, 05 Mar 2024 14:03:01 +0000"))
        #expect(lines.contains("Message-ID: <id@portcullis.test>"))
        #expect(lines.contains("MIME-Version: 1.0"))
        #expect(lines.contains("From: Portcullis <noreply@portcullis.test>"))
        #expect(lines.contains("Content-Type: multipart/alternative; boundary=\"=_b\""))
        #expect(lines.contains("--=_b--"))
        let subjectLine = try #require(lines.first { $0.hasPrefix("Subject: ") })
        #expect(subjectLine.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(!rendered.contains(Self.code))  // the body is only in base64

        // The first part's base64 decodes to the text with CRLF line endings.
        let start = try #require(lines.firstIndex(of: "Content-Transfer-Encoding: base64")) + 2
        let end = try #require(lines[start...].firstIndex(of: "--=_b"))
        let decoded = try #require(Data(base64Encoded: lines[start..<end].joined()))
        #expect(String(decoding: decoded, as: UTF8.self) == Self.text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("line endings, dot-stuffing, encoded words, dates")
    func buildingBlocks() throws {
        #expect(MIMEMessage.normalizeLineEndings("a\nb\rc\r\nd\n\ne") == Array("a\r\nb\r\nc\r\nd\r\n\r\ne".utf8))
        #expect(String(decoding: MIMEMessage.smtpData("From: a\r\n\r\n.x\r\n..y\r\n.\r\nz"), as: UTF8.self)
            == "From: a\r\n\r\n..x\r\n...y\r\n..\r\nz\r\n.\r\n")
        #expect(String(decoding: MIMEMessage.smtpData(".\nend\n"), as: UTF8.self) == "..\r\nend\r\n.\r\n")
        #expect(MIMEMessage.headerText("Hello") == "Hello")
        #expect(MIMEMessage.headerText("Grüße") == "=?UTF-8?B?R3LDvMOfZQ==?=")
        let long = String(repeating: "日本語🙂", count: 20)
        let words = MIMEMessage.encodedWords(long)
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.utf8.count <= 75 })
        let joined = words.map { word -> String in
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            return String(decoding: Data(base64Encoded: String(payload))!, as: UTF8.self)
        }.joined()
        #expect(joined == long)
        #expect(MIMEMessage.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MIMEMessage.base64Lines(Array(repeating: 0, count: 200)).allSatisfy { $0.count <= 76 })

        let named = try MailAddress(parsing: "\"Doe, Jane\" <jane@example.com>")
        #expect(named.address == "jane@example.com")
        #expect(named.headerValue == "\"Doe, Jane\" <jane@example.com>")
        #expect(try MailAddress(parsing: "Jürgen <j@example.com>").headerValue == "=?UTF-8?B?SsO8cmdlbg==?= <j@example.com>")
        #expect(throws: MailAddress.ParseError.lineBreak) { try MailAddress(parsing: "a@b.c\r\n") }
        #expect(throws: MailAddress.ParseError.invalid) { try MailAddress(parsing: "a b@c.d") }
        #expect(throws: MailAddress.ParseError.invalid) { try MailAddress(parsing: "jürgen@example.com") }
        #expect(throws: MailAddress.ParseError.invalid) { try MailAddress(parsing: "<a@b.c>>") }
    }

    @Test("reply parsing: multi-line replies and EHLO extensions")
    func replyParsing() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed("250-mail.example.com Hello") == nil)
        #expect(parser.isInsideReply)
        #expect(try parser.feed("250-AUTH LOGIN plain") == nil)
        #expect(try parser.feed("250-AUTH=LOGIN") == nil)
        #expect(try parser.feed("250-STARTTLS") == nil)
        let reply = try #require(try parser.feed("250 SIZE 1000"))
        #expect(reply.code == 250)
        #expect(reply.lines.count == 5)
        #expect(reply.extensions["AUTH"] == ["LOGIN", "PLAIN", "LOGIN"])
        #expect(reply.extensions["STARTTLS"] == [])
        #expect(reply.extensions["SIZE"] == ["1000"])
        #expect(try parser.feed("220") == SMTPReply(code: 220, lines: [""]))
        #expect(throws: SMTPReplyParser.ParseError.malformedLine) { try parser.feed("hello") }
        #expect(throws: SMTPReplyParser.ParseError.malformedLine) { try parser.feed("250x") }
        _ = try parser.feed("250-first")
        #expect(throws: SMTPReplyParser.ParseError.inconsistentCode) { try parser.feed("251 second") }
        #expect(SMTPReply(code: 550, lines: ["bad\u{7}\u{1B}[31m text"]).safeText() == "bad[31m text")
    }

    // MARK: - Configuration

    @Test("configuration from PORTCULLIS_SMTP_* values")
    func configurationLoading() throws {
        #expect(try SMTPConfiguration.load(from: [:]) == nil)
        #expect(try SMTPConfiguration.load(from: ["PORTCULLIS_SMTP_HOST": ""]) == nil)

        let minimal = try #require(try SMTPConfiguration.load(from: [
            "PORTCULLIS_SMTP_HOST": "smtp.example.com", "PORTCULLIS_SMTP_FROM": "noreply@example.com",
        ]))
        #expect(minimal.security == .startTLS)
        #expect(minimal.port == 587)
        #expect(minimal.username == nil && minimal.password == nil)
        #expect(minimal.certificateTrust == .systemRoots)
        #expect(minimal.connectTimeout == .seconds(10))
        #expect(minimal.replyTimeout == .seconds(30))

        let full = try #require(try SMTPConfiguration.load(from: [
            "PORTCULLIS_SMTP_HOST": "mail.example.com", "PORTCULLIS_SMTP_PORT": "2465",
            "PORTCULLIS_SMTP_SECURITY": "TLS", "PORTCULLIS_SMTP_USERNAME": "mailer",
            "PORTCULLIS_SMTP_PASSWORD": " secret ", "PORTCULLIS_SMTP_FROM": "Portcullis <noreply@example.com>",
            "PORTCULLIS_SMTP_CA_FILE": "/etc/ssl/ca.pem", "PORTCULLIS_SMTP_HELO_NAME": "mfa.example.com",
            "PORTCULLIS_SMTP_REPLY_TIMEOUT_SECONDS": "5",
        ]))
        #expect(full.security == .tls)
        #expect(full.port == 2465)
        #expect(full.username == "mailer")
        #expect(full.password == " secret ")
        #expect(full.from == "Portcullis <noreply@example.com>")
        #expect(full.certificateTrust == .caFile("/etc/ssl/ca.pem"))
        #expect(full.heloName == "mfa.example.com")
        #expect(full.replyTimeout == .seconds(5))

        let insecure = try SMTPConfiguration.load(from: [
            "PORTCULLIS_SMTP_HOST": "h", "PORTCULLIS_SMTP_FROM": "a@b.c", "PORTCULLIS_SMTP_SECURITY": "none",
            "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY": "1",
        ])
        #expect(insecure?.certificateTrust == .insecureSkipVerification)
        #expect(insecure?.port == 25)

        let base = ["PORTCULLIS_SMTP_HOST": "h", "PORTCULLIS_SMTP_FROM": "a@b.c"]
        for bad in [
            ["PORTCULLIS_SMTP_SECURITY": "ssl"], ["PORTCULLIS_SMTP_PORT": "0"], ["PORTCULLIS_SMTP_PORT": "smtp"],
            ["PORTCULLIS_SMTP_USERNAME": "u"], ["PORTCULLIS_SMTP_PASSWORD": "p"], ["PORTCULLIS_SMTP_FROM": ""],
            ["PORTCULLIS_SMTP_CA_FILE": "/ca.pem", "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY": "1"],
            ["PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY": "maybe"],
        ] {
            #expect(throws: (any Error).self) { try SMTPConfiguration.load(from: base.merging(bad) { $1 }) }
        }
    }

    @Test("the password never shows in a description, a mirror or a dump")
    func passwordRedaction() throws {
        let configuration = Self.configuration(port: 25, username: "mailer", password: "hunter2-Secret")
        let provider = try SMTPEmailProvider(configuration: configuration)
        var dumped = ""
        dump(configuration, to: &dumped)
        var dumpedProvider = ""
        dump(provider, to: &dumpedProvider)
        for text in [
            String(describing: configuration), String(reflecting: configuration), "\(configuration)", dumped,
            String(describing: provider), String(reflecting: provider), dumpedProvider,
        ] {
            #expect(!text.contains("hunter2"))
            #expect(text.contains("mailer"))
        }
        #expect(String(describing: configuration).contains("<redacted>"))
    }

    @Test("an unreadable CA file is a configuration error at start-up")
    func unreadableCAFile() {
        let configuration = Self.configuration(port: 25, security: .startTLS, trust: .caFile("/nonexistent/ca.pem"))
        #expect(throws: DeliveryError.self) { try SMTPEmailProvider(configuration: configuration) }
    }
}

// MARK: - Test servers

/// What `smtp_server.py` wrote for one received message.
struct ReceivedMail: Decodable {
    struct Auth: Decodable, Equatable {
        var mechanism: String
        var login: String
        var password: String
    }

    var mail_from: String
    var rcpt_tos: [String]
    var subject: String
    var from: String
    var to: String
    var date: String
    var message_id: String
    var mime_version: String
    var content_type: String
    var text: String?
    var html: String?
    var auth: Auth?
    var tls: Bool
    var max_line: Int
}

struct SMTPTestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// A port nobody listens on (bound, read, closed).
func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}

/// A self-signed certificate for `localhost` in a temporary directory (openssl).
struct TestCertificate {
    var directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-smtp-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(directory: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-keyout", certificate.keyPath, "-out", certificate.certificatePath,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SMTPTestSetupError(description: "openssl req failed (status \(process.terminationStatus)); is openssl installed?")
        }
        return certificate
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// aiosmtpd (`smtp_server.py`) in a subprocess on a free port of 127.0.0.1, until `stop()`.
final class SMTPTestServer {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let python = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".venv/bin/python")

    let process: Process
    let directory: URL
    let port: Int
    private var outPath: URL { directory.appendingPathComponent("received.jsonl") }

    private init(process: Process, directory: URL, port: Int) {
        self.process = process
        self.directory = directory
        self.port = port
    }

    static func start(
        mode: String = "none", certificate: TestCertificate? = nil, user: String? = nil, password: String? = nil,
        onlyLogin: Bool = false, reject: [String] = []
    ) async throws -> SMTPTestServer {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw SMTPTestSetupError(description: "\(python.path) is missing: run `make deps-test` to create the venv with aiosmtpd")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("portcullis-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let portFile = directory.appendingPathComponent("port")
        let logFile = directory.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var arguments = [
            testsDirectory.appendingPathComponent("smtp_server.py").path, "--port-file", portFile.path,
            "--out", directory.appendingPathComponent("received.jsonl").path, "--mode", mode,
        ]
        if let certificate { arguments += ["--cert", certificate.certificatePath, "--key", certificate.keyPath] }
        if let user, let password { arguments += ["--user", user, "--password", password] }
        if onlyLogin { arguments.append("--only-login") }
        for address in reject { arguments += ["--reject", address] }

        let process = Process()
        process.executableURL = python
        process.arguments = arguments
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()

        // The script writes the port once its socket listens (accepts connections).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return SMTPTestServer(process: process, directory: directory, port: port)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        stop(process)
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: directory)
        throw SMTPTestSetupError(
            description: "smtp_server.py did not start (is aiosmtpd installed? run `make deps-test`):\n\(output.suffix(2000))"
        )
    }

    /// The messages received so far, in order.
    func received() throws -> [ReceivedMail] {
        guard let text = try? String(contentsOf: outPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(ReceivedMail.self, from: Data($0.utf8)) }
    }

    func stop() {
        Self.stop(process)
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM, then SIGKILL after 3 s (a child may inherit a blocked SIGTERM from the spawning thread).
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<60 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The commands a scripted server received (first word, upper-cased; "." for the end of DATA).
final class CommandLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    var verbs: [String] { lock.withLock { storage } }
    func append(_ verb: String) { lock.withLock { storage.append(verb) } }
}

/// A NIO server that answers from a script: `greeting`, a command's first word, or "." (end of DATA) → the raw reply
/// (CRLFs included; "" for no answer). Unscripted commands get sensible defaults.
final class ScriptedSMTPServer {
    let channel: any Channel
    let commands: CommandLog
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: any Channel, commands: CommandLog) {
        self.channel = channel
        self.commands = commands
    }

    static func start(script: [String: String]) async throws -> ScriptedSMTPServer {
        let commands = CommandLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, commands: commands))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedSMTPServer(channel: channel, commands: commands)
    }

    func stop() { channel.close(promise: nil) }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let script: [String: String]
        let commands: CommandLog
        var buffer = ByteBuffer()
        var inData = false

        init(script: [String: String], commands: CommandLog) {
            self.script = script
            self.commands = commands
        }

        func channelActive(context: ChannelHandlerContext) {
            reply(script["greeting"] ?? "220 localhost ESMTP\r\n", context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            while let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let line = (buffer.readString(length: end - buffer.readerIndex + 1) ?? "")
                    .trimmingCharacters(in: .newlines)
                if inData {
                    guard line == "." else { continue }
                    inData = false
                    commands.append(".")
                    reply(script["."] ?? "250 2.0.0 Queued\r\n", context: context)
                    continue
                }
                let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
                commands.append(verb)
                let defaults = [
                    "EHLO": "250-localhost\r\n250 8BITMIME\r\n", "DATA": "354 End data with <CR><LF>.<CR><LF>\r\n",
                    "QUIT": "221 Bye\r\n",
                ]
                let answer = script[verb] ?? defaults[verb] ?? "250 OK\r\n"
                reply(answer, context: context)
                if verb == "DATA", answer.hasPrefix("354") { inData = true }
            }
            buffer.discardReadBytes()
        }

        private func reply(_ text: String, context: ChannelHandlerContext) {
            guard !text.isEmpty else { return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }
}

