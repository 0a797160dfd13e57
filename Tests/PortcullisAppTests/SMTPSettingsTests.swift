import Foundation
import PortcullisDelivery
import Testing
@testable import PortcullisApp

/// `PORTCULLIS_SMTP_*` read through the configuration reader into `SMTPSettings`.
@Suite("SMTP settings")
struct SMTPSettingsTests {
    func load(from values: [String: String]) throws -> SMTPSettings? {
        try SMTPSettings(reading: ConfigurationReader(values))
    }

    @Test("configuration from PORTCULLIS_SMTP_* values")
    func configurationLoading() throws {
        #expect(try load(from: [:]) == nil)
        #expect(try load(from: ["PORTCULLIS_SMTP_HOST": ""]) == nil)

        let minimal = try #require(try load(from: [
            "PORTCULLIS_SMTP_HOST": "smtp.example.com", "PORTCULLIS_SMTP_FROM": "noreply@example.com",
        ]))
        #expect(minimal.security == .startTLS)
        #expect(minimal.port == 587)
        #expect(minimal.username == nil && minimal.password == nil)
        #expect(minimal.certificateTrust == .systemRoots)
        #expect(minimal.connectTimeout == .seconds(10))
        #expect(minimal.replyTimeout == .seconds(30))

        let full = try #require(try load(from: [
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

        let insecure = try load(from: [
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
            ["PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY": "maybe"], ["PORTCULLIS_SMTP_FROM": "a@b.c\r\nBcc: x@y.z"],
            ["PORTCULLIS_SMTP_CONNECT_TIMEOUT_SECONDS": "601"], ["PORTCULLIS_SMTP_REPLY_TIMEOUT_SECONDS": "0"],
        ] {
            #expect(throws: ConfigurationError.self) { try load(from: base.merging(bad) { $1 }) }
        }
    }

    @Test("each bad value is one line naming its variable, with today's wording")
    func messages() throws {
        let base = ["PORTCULLIS_SMTP_HOST": "h", "PORTCULLIS_SMTP_FROM": "a@b.c"]
        func failure(_ bad: [String: String]) -> String {
            do {
                _ = try load(from: base.merging(bad) { $1 })
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(["PORTCULLIS_SMTP_SECURITY": "ssl"]) == "PORTCULLIS_SMTP_SECURITY=ssl is not valid: expected none, starttls or tls")
        #expect(failure(["PORTCULLIS_SMTP_PORT": "0"]) == "PORTCULLIS_SMTP_PORT=0 is not valid: expected a whole number in 1...65535")
        #expect(failure(["PORTCULLIS_SMTP_PASSWORD": "hunter2"])
            == "PORTCULLIS_SMTP_USERNAME= is not valid: expected PORTCULLIS_SMTP_USERNAME and PORTCULLIS_SMTP_PASSWORD set together")
        #expect(failure(["PORTCULLIS_SMTP_USERNAME": "u"])
            == "PORTCULLIS_SMTP_PASSWORD= is not valid: expected PORTCULLIS_SMTP_USERNAME and PORTCULLIS_SMTP_PASSWORD set together")
        #expect(failure(["PORTCULLIS_SMTP_FROM": ""])
            == "PORTCULLIS_SMTP_FROM= is not valid: expected the sender address when PORTCULLIS_SMTP_HOST is set")
        #expect(failure(["PORTCULLIS_SMTP_HELO_NAME": "a\nb"])
            == "PORTCULLIS_SMTP_HELO_NAME=(contains a line break) is not valid: expected a single line")
        #expect(failure(["PORTCULLIS_SMTP_CA_FILE": "/ca.pem", "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY": "1"])
            == "PORTCULLIS_SMTP_INSECURE_SKIP_VERIFY=1 is not valid: expected 0 when PORTCULLIS_SMTP_CA_FILE is set (one or the other)")
    }

    @Test("through the whole configuration; the sender then also signs the email codes")
    func throughConfiguration() throws {
        let configuration = try Configuration.load(environment: [
            "PORTCULLIS_SMTP_HOST": "smtp.example.com", "PORTCULLIS_SMTP_FROM": " Portcullis <mfa@example.com> ",
            "PORTCULLIS_SMTP_USERNAME": "mailer", "PORTCULLIS_SMTP_PASSWORD": "hunter2-Secret",
        ], directory: "/nonexistent")
        let smtp = try #require(configuration.smtp)
        #expect(smtp.from == "Portcullis <mfa@example.com>" && smtp.password == "hunter2-Secret")
        #expect(!"\(configuration)".contains("hunter2") && !"\(smtp)".contains("hunter2"))
        #expect(try Configuration.load(environment: ["PORTCULLIS_SMTP_FROM": "x@y.z"], directory: "/nonexistent").smtp == nil)
    }
}
