import Foundation
import Logging
import NIOCore
import NIOPosix
import PortcullisTestSupport
import Testing

@testable import PortcullisDelivery

/// The message text, reply parsing and configuration, without a server.
extension SMTPTests {
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

    // Reading PORTCULLIS_SMTP_* into SMTPSettings: PortcullisAppTests/SMTPSettingsTests.

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
